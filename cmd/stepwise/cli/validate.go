package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
)

const validateUsage = `Usage: stepwise validate [--type STANDARD|EXPRESS] [--json] FILE...

Checks each state machine definition and reports every problem, with the
diagnostic codes of AWS Step Functions:

  FILE: CODE: message at /location

Exit status: 0 every definition is valid, 1 a definition is invalid,
2 a usage or I/O error.

Flags:
`

// validateReport is the --json form of one file's result.
type validateReport struct {
	File        string               `json:"file"`
	Valid       bool                 `json:"valid"`
	Error       string               `json:"error,omitempty"` // reading the file failed
	Diagnostics []validateDiagnostic `json:"diagnostics"`
}

// validateDiagnostic is one problem in a validateReport.
type validateDiagnostic struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Validate implements "stepwise validate FILE...": it parses and validates
// each definition with asl.ParseWithOptions and prints every problem as
// "FILE: CODE: message at /location" (or, with --json, one JSON array of
// {file, valid, diagnostics: [{code, message, location}]}). It returns 0
// when every file is valid, 1 when one is invalid, 2 on a usage or I/O
// error.
func Validate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	typ := fs.String("type", asl.TypeStandard, "state machine type: STANDARD or EXPRESS")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	printUsage := func(w io.Writer) {
		fmt.Fprint(w, validateUsage)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	fs.Usage = func() {} // printed below, to stdout for --help
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout)
			return 0
		}
		printUsage(stderr)
		return 2
	}
	*typ = strings.ToUpper(*typ)
	if *typ != asl.TypeStandard && *typ != asl.TypeExpress {
		fmt.Fprintf(stderr, "stepwise validate: --type must be STANDARD or EXPRESS, not %q\n", *typ)
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "stepwise validate: no FILE given\n\n")
		printUsage(stderr)
		return 2
	}

	status := 0
	reports := make([]validateReport, 0, fs.NArg())
	for _, file := range fs.Args() {
		if err := ctx.Err(); err != nil {
			fmt.Fprintf(stderr, "stepwise validate: %v\n", err)
			return 2
		}
		rep := validateReport{File: file, Diagnostics: []validateDiagnostic{}}
		data, err := readDefinition(file)
		if err != nil {
			status = 2
			rep.Error = err.Error()
			reports = append(reports, rep)
			if !*asJSON {
				fmt.Fprintf(stderr, "stepwise validate: %v\n", err)
			}
			continue
		}
		_, err = asl.ParseWithOptions(data, asl.ParseOptions{Type: *typ})
		rep.Valid = err == nil
		for _, ve := range asl.ValidationErrors(err) {
			rep.Diagnostics = append(rep.Diagnostics, validateDiagnostic{Code: ve.Code, Message: ve.Message, Location: ve.Location})
		}
		if err != nil && status == 0 {
			status = 1
		}
		reports = append(reports, rep)
		if *asJSON {
			continue
		}
		if rep.Valid {
			fmt.Fprintf(stdout, "%s: valid\n", file)
			continue
		}
		for _, ve := range asl.ValidationErrors(err) {
			fmt.Fprintf(stdout, "%s: %s\n", file, ve.Error())
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(reports); err != nil {
			fmt.Fprintf(stderr, "stepwise validate: writing the report: %v\n", err)
			return 2
		}
	}
	return status
}

// readDefinition reads a definition file, at most one byte more than
// asl.MaxDefinitionSize so that a huge file is reported as too large
// without being read whole.
func readDefinition(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, asl.MaxDefinitionSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return data, nil
}

package asl_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestGolden parses each testdata/*.asl.json and compares a description
// of the model (or the list of problems) with testdata/*.golden.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.asl.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".asl.json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var got string
			sm, err := asl.Parse(data)
			if err != nil {
				got = "invalid\n" + err.Error() + "\n"
			} else {
				var b strings.Builder
				describeMachine(&b, sm, "")
				got = b.String()
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test -update to create it")
			require.Equal(t, string(want), got)
		})
	}
}

// describeMachine writes the model as indented text, every field that is
// set, in definition order.
func describeMachine(b *strings.Builder, sm *asl.StateMachine, indent string) {
	fmt.Fprintf(b, "%smachine StartAt=%q QueryLanguage=%s", indent, sm.StartAt, sm.QueryLanguage)
	if sm.Comment != "" {
		fmt.Fprintf(b, " Comment=%q", sm.Comment)
	}
	if sm.TimeoutSeconds != 0 {
		fmt.Fprintf(b, " TimeoutSeconds=%d", sm.TimeoutSeconds)
	}
	if sm.Version != "" {
		fmt.Fprintf(b, " Version=%q", sm.Version)
	}
	if sm.ProcessorMode != "" {
		fmt.Fprintf(b, " ProcessorMode=%s", sm.ProcessorMode)
	}
	if sm.ExecutionType != "" {
		fmt.Fprintf(b, " ExecutionType=%s", sm.ExecutionType)
	}
	fmt.Fprintf(b, " Order=%v\n", sm.Order)
	keys := make([]string, 0, len(sm.States))
	for k := range sm.States {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	order := append([]string(nil), sm.Order...)
	sort.Strings(order)
	if fmt.Sprint(keys) != fmt.Sprint(order) {
		fmt.Fprintf(b, "%s  ORDER MISMATCH: States=%v\n", indent, keys)
	}
	for _, name := range sm.Order {
		describeState(b, sm.States[name], indent+"  ")
	}
}

func describeState(b *strings.Builder, st *asl.State, indent string) {
	fmt.Fprintf(b, "%sstate %q Type=%s QueryLanguage=%s", indent, st.Name, st.Type, st.QueryLanguage)
	if st.Next != "" {
		fmt.Fprintf(b, " Next=%q", st.Next)
	}
	if st.End {
		b.WriteString(" End")
	}
	b.WriteString("\n")
	in := indent + "  "
	line := func(format string, args ...any) { fmt.Fprintf(b, in+format+"\n", args...) }
	optPath := func(name string, p asl.OptPath) {
		switch {
		case !p.Set:
		case p.Null:
			line("%s=null", name)
		case p.Path == nil:
			line("%s=<nil path>", name)
		default:
			line("%s=%s", name, p.Path.String())
		}
	}
	field := func(name string, f asl.Field) {
		if !f.Set {
			return
		}
		switch {
		case f.Expr != nil:
			line("%s=expr", name)
		case f.Template != nil && f.Path != nil:
			line("%s=path %s (template)", name, f.Path.String())
		case f.Template != nil:
			line("%s=template", name)
		case f.Path != nil:
			line("%s=path %s", name, f.Path.String())
		default:
			line("%s=literal %s", name, value.MustString(f.Literal))
		}
	}
	set := func(name string, ok bool) {
		if ok {
			line("%s=set", name)
		}
	}
	optPath("InputPath", st.InputPath)
	optPath("OutputPath", st.OutputPath)
	optPath("ResultPath", st.ResultPath)
	set("Parameters", st.Parameters != nil)
	set("ResultSelector", st.ResultSelector != nil)
	if st.HasResult {
		line("Result=%s", value.MustString(st.Result))
	}
	set("Arguments", st.Arguments != nil)
	set("Output", st.Output != nil)
	set("AssignPath", st.AssignPath != nil)
	set("AssignExpr", st.AssignExpr != nil)
	if st.Resource != "" {
		line("Resource=%s", st.Resource)
	}
	field("TimeoutSeconds", st.TimeoutSeconds)
	field("HeartbeatSeconds", st.HeartbeatSeconds)
	if st.Credentials != nil {
		line("Credentials=%s", value.MustString(st.Credentials))
	}
	for i, r := range st.Retry {
		line("Retry[%d] ErrorEquals=%v IntervalSeconds=%d MaxAttempts=%d BackoffRate=%g MaxDelaySeconds=%d JitterStrategy=%s",
			i, r.ErrorEquals, r.IntervalSeconds, r.MaxAttempts, r.BackoffRate, r.MaxDelaySeconds, r.JitterStrategy)
	}
	for i, c := range st.Catch {
		line("Catch[%d] ErrorEquals=%v Next=%q", i, c.ErrorEquals, c.Next)
		optPath("  ResultPath", c.ResultPath)
		set("  AssignPath", c.AssignPath != nil)
		set("  AssignExpr", c.AssignExpr != nil)
		set("  Output", c.Output != nil)
	}
	for i, c := range st.Choices {
		describeRule(b, fmt.Sprintf("Choices[%d]", i), c, in)
	}
	if st.Default != "" {
		line("Default=%q", st.Default)
	}
	field("Seconds", st.Seconds)
	field("Timestamp", st.Timestamp)
	field("Error", st.Error)
	field("Cause", st.Cause)
	for i, br := range st.Branches {
		line("Branches[%d]:", i)
		describeMachine(b, br, in+"  ")
	}
	optPath("ItemsPath", st.ItemsPath)
	field("Items", st.Items)
	set("ItemSelector", st.ItemSelector != nil)
	set("ItemSelectorExpr", st.ItemSelectorExpr != nil)
	field("MaxConcurrency", st.MaxConcurrency)
	field("ToleratedFailureCount", st.ToleratedFailureCount)
	field("ToleratedFailurePercentage", st.ToleratedFailurePercentage)
	if st.Label != "" {
		line("Label=%q", st.Label)
	}
	if st.Distributed {
		line("Distributed")
	}
	if st.ItemProcessor != nil {
		line("ItemProcessor:")
		describeMachine(b, st.ItemProcessor, in+"  ")
	}
}

func describeRule(b *strings.Builder, label string, r *asl.ChoiceRule, indent string) {
	fmt.Fprintf(b, "%s%s", indent, label)
	if r.Variable != nil {
		fmt.Fprintf(b, " Variable=%s", r.Variable.String())
	}
	if r.Operator != "" {
		fmt.Fprintf(b, " %s", r.Operator)
		if r.OperandPath != nil {
			fmt.Fprintf(b, "=path %s", r.OperandPath.String())
		} else {
			fmt.Fprintf(b, "=%s", value.MustString(r.Operand))
		}
	}
	if r.Condition.Set {
		if r.Condition.Expr != nil {
			b.WriteString(" Condition=expr")
		} else {
			fmt.Fprintf(b, " Condition=%v", r.Condition.Literal)
		}
	}
	if r.Next != "" {
		fmt.Fprintf(b, " Next=%q", r.Next)
	}
	if r.AssignPath != nil || r.AssignExpr != nil {
		b.WriteString(" Assign")
	}
	if r.Output != nil {
		b.WriteString(" Output")
	}
	b.WriteString("\n")
	for i, c := range r.And {
		describeRule(b, fmt.Sprintf("And[%d]", i), c, indent+"  ")
	}
	for i, c := range r.Or {
		describeRule(b, fmt.Sprintf("Or[%d]", i), c, indent+"  ")
	}
	if r.Not != nil {
		describeRule(b, "Not", r.Not, indent+"  ")
	}
}

package statemachines

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// Definition is a state machine that the app registers at start-up.
type Definition struct {
	// Name is the state machine's name.
	Name string
	// Type is store.TypeStandard or store.TypeExpress.
	Type string
	// File is the ASL file in FS.
	File string
}

// Defaults are the app's state machines: the contact form as a STANDARD
// machine (asynchronous: 202, then poll), and the same definition as an
// EXPRESS machine for the synchronous route.
var Defaults = []Definition{
	{Name: "contact-form", Type: store.TypeStandard, File: "contact-form.asl.json"},
	{Name: "contact-form-express", Type: store.TypeExpress, File: "contact-form.asl.json"},
}

// RegisterParams are the parameters of Register.
type RegisterParams struct {
	// Store receives the state machines.
	Store store.Store
	// Region and AccountID form the ARNs.
	Region, AccountID string
	// RoleARN is recorded as each state machine's role.
	RoleARN string
	// Substitutions fill the ${Name} placeholders of the definitions, as
	// SAM's DefinitionSubstitutions do. A placeholder without a value is
	// an error.
	Substitutions map[string]string
	// KnownResource, when set, rejects Task resources the runtime cannot
	// run (asl.ParseOptions.KnownResource).
	KnownResource func(arn string) bool
	// Definitions to register; nil means Defaults.
	Definitions []Definition
	// Now is the creation or update time.
	Now time.Time
}

// StateMachineARN returns the ARN of the state machine name.
func StateMachineARN(region, accountID, name string) string {
	return "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + name
}

// Register creates each definition's state machine, or updates it when
// its stored definition differs, and returns them by name. It is safe to
// call on every start: an unchanged definition is left alone, and a
// concurrent start that created it first is not an error.
func Register(ctx context.Context, p *RegisterParams) (map[string]*store.StateMachine, error) {
	defs := p.Definitions
	if defs == nil {
		defs = Defaults
	}
	out := make(map[string]*store.StateMachine, len(defs))
	for _, d := range defs {
		raw, err := fs.ReadFile(FS, d.File)
		if err != nil {
			return nil, fmt.Errorf("registering %s: %w", d.Name, err)
		}
		def, err := Substitute(string(raw), p.Substitutions)
		if err != nil {
			return nil, fmt.Errorf("registering %s from %s: %w", d.Name, d.File, err)
		}
		if _, err := asl.ParseWithOptions([]byte(def), asl.ParseOptions{Type: d.Type, KnownResource: p.KnownResource}); err != nil {
			return nil, fmt.Errorf("registering %s from %s: invalid definition: %w", d.Name, d.File, err)
		}
		sm, err := put(ctx, p, d, def)
		if err != nil {
			return nil, fmt.Errorf("registering %s: %w", d.Name, err)
		}
		out[d.Name] = sm
	}
	return out, nil
}

func put(ctx context.Context, p *RegisterParams, d Definition, def string) (*store.StateMachine, error) {
	arn := StateMachineARN(p.Region, p.AccountID, d.Name)
	for attempt := 0; ; attempt++ {
		cur, err := p.Store.StateMachineGet(ctx, &store.StateMachineGetParams{ARN: arn})
		switch {
		case errors.Is(err, store.ErrNotFound):
			sm, err := p.Store.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: arn, Name: d.Name,
				Definition: def, Type: d.Type, RoleARN: p.RoleARN, CreatedAt: p.Now})
			if errors.Is(err, store.ErrAlreadyExists) && attempt < 3 {
				continue // created by a concurrent start: compare with it
			}
			return sm, err
		case err != nil:
			return nil, err
		}
		if cur.Type != d.Type {
			return nil, fmt.Errorf("%s exists as a %s state machine, not %s; delete it first", arn, cur.Type, d.Type)
		}
		if cur.Definition == def && cur.RoleARN == p.RoleARN {
			return cur, nil
		}
		role := p.RoleARN
		sm, err := p.Store.StateMachineUpdate(ctx, &store.StateMachineUpdateParams{ARN: arn, Definition: &def,
			RoleARN: &role, ExpectRevision: cur.Revision, UpdatedAt: p.Now})
		if errors.Is(err, store.ErrConflict) && attempt < 3 {
			continue // updated by a concurrent start
		}
		return sm, err
	}
}

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Substitute replaces every ${Name} placeholder of an ASL document with its
// value, escaped for a JSON string (placeholders sit inside strings). It
// fails naming every placeholder that has no value.
func Substitute(def string, subst map[string]string) (string, error) {
	missing := map[string]bool{}
	out := placeholderRE.ReplaceAllStringFunc(def, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := subst[name]
		if !ok {
			missing[name] = true
			return m
		}
		b, _ := json.Marshal(v)
		return string(b[1 : len(b)-1])
	})
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, "${"+n+"}")
		}
		sort.Strings(names)
		return "", fmt.Errorf("no value for %s", strings.Join(names, ", "))
	}
	return out, nil
}

// ParseSubstitutions reads the DEFINITION_SUBSTITUTIONS environment value:
// a JSON object of strings. Empty means none.
func ParseSubstitutions(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return map[string]string{}, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("DEFINITION_SUBSTITUTIONS must be a JSON object of strings: %w", err)
	}
	return m, nil
}

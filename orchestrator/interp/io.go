package interp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

// timeFormat is how the context object writes times.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func readRand(r io.Reader, b []byte) {
	if r == nil {
		r = rand.Reader
	}
	if _, err := io.ReadFull(r, b); err != nil {
		// Fall back to crypto/rand; a failing stub is a test bug.
		_, _ = io.ReadFull(rand.Reader, b)
	}
}

// contextObject builds "$$" for the current state.
func (r *run) contextObject() map[string]any {
	th := r.th
	state := map[string]any{
		"Name":        r.st.Name,
		"EnteredTime": th.EnteredTime.UTC().Format(timeFormat),
	}
	if r.st.Type == asl.TypeTask {
		state["RetryCount"] = value.Int(int64(th.RetryCount))
	}
	exec, sm := r.env.staticContext()
	c := map[string]any{"Execution": exec, "StateMachine": sm, "State": state}
	if th.TaskToken != "" {
		c["Task"] = map[string]any{"Token": th.TaskToken}
	}
	if th.HasItem {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": value.Int(int64(th.ItemIndex)), "Value": th.ItemValue}}
	}
	return c
}

// staticContext returns the Execution and StateMachine parts of "$$",
// built once per environment: they never change during an execution, and
// values are never modified in place (jsonpath.Set and setVars copy).
func (env *Env) staticContext() (exec, sm map[string]any) {
	if env.ctxExec == nil || env.ctxFor != env.Exec {
		ex := env.Exec
		env.ctxFor = ex
		env.ctxExec = map[string]any{
			"Id":           ex.ARN,
			"Input":        ex.Input,
			"StartTime":    ex.StartTime.UTC().Format(timeFormat),
			"Name":         ex.Name,
			"RoleArn":      ex.RoleARN,
			"RedriveCount": value.Int(0),
		}
		env.ctxSM = map[string]any{"Id": ex.StateMachineARN, "Name": ex.StateMachineName}
	}
	return env.ctxExec, env.ctxSM
}

func (r *run) lookupVar(name string) (any, bool) {
	v, ok := r.th.Vars[name]
	return v, ok
}

// pathEnv is the JSONPath environment with input as "$". The context
// object is built only when a path of the template reads "$$". The
// environment is the run's own, reused by each template of the step (a
// template's evaluation never starts another).
func (r *run) pathEnv(input any) *jsonpath.Env {
	pe := &r.penv
	if pe.Var == nil {
		pe.Var = r.lookupVar
		pe.ContextFunc = r.contextAny
	}
	pe.Input = input
	pe.Context = nil // r.th may differ between templates (itemInput)
	pe.Rand = r.env.Rand
	return pe
}

func (r *run) contextAny() any { return r.contextObject() }

// evalErr converts an evaluation error of jsonpath, intrinsic or jsonata
// into a state-machine error of the current state.
func (r *run) evalErr(err error) *asl.Error {
	var ae *asl.Error
	if errors.As(err, &ae) {
		return ae
	}
	var pe *jsonpath.EvalError
	if errors.As(err, &pe) {
		return r.runtimeErr(pe.Name, pe.Cause)
	}
	var je *jsonata.EvalError
	if errors.As(err, &je) {
		return r.runtimeErr(je.Name, je.Cause)
	}
	return r.runtimeErr(asl.StatesRuntime, err.Error())
}

// resolve evaluates a reference path against input, the context or a
// variable.
func (r *run) resolve(p *jsonpath.Path, input any) (any, error) {
	switch p.Root() {
	case jsonpath.RootContext:
		return p.Get(r.contextObject())
	case jsonpath.RootVariable:
		v, ok := r.th.Vars[p.Variable()]
		if !ok {
			return nil, &jsonpath.NotFoundError{Path: p.String(), Message: fmt.Sprintf("Variable '%s' is not defined", p.Variable())}
		}
		return p.Get(v)
	}
	return p.Get(input)
}

// pathErr is the error of an InputPath, OutputPath or ItemsPath that
// found nothing.
func (r *run) pathErr(p *jsonpath.Path, err error) *asl.Error {
	var nf *jsonpath.NotFoundError
	if errors.As(err, &nf) {
		return r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("Invalid path '%s' : %s", p.String(), nf.Message))
	}
	return r.evalErr(err)
}

// inputPath applies InputPath to the raw input.
func (r *run) inputPath(raw any) (any, *asl.Error) { return r.applyPath(r.st.InputPath, raw) }

// outputPath applies OutputPath.
func (r *run) outputPath(v any) (any, *asl.Error) { return r.applyPath(r.st.OutputPath, v) }

// applyPath applies an InputPath or OutputPath: v when unset, {} when
// null.
func (r *run) applyPath(p asl.OptPath, v any) (any, *asl.Error) {
	if !p.Set {
		return v, nil
	}
	if p.Null {
		return map[string]any{}, nil
	}
	out, err := r.resolve(p.Path, v)
	if err != nil {
		return nil, r.pathErr(p.Path, err)
	}
	return out, nil
}

// template evaluates a JSONPath payload template with input as "$".
func (r *run) template(t *jsonpath.Template, input any) (any, *asl.Error) {
	v, err := t.Eval(r.pathEnv(input))
	if err != nil {
		return nil, r.evalErr(err)
	}
	return v, nil
}

// resultPath places result into raw per ResultPath.
func (r *run) resultPath(rp asl.OptPath, raw, result any) (any, *asl.Error) {
	if !rp.Set {
		return result, nil
	}
	if rp.Null {
		return raw, nil
	}
	out, err := jsonpath.Set(raw, rp.Path, result)
	if err != nil {
		var nf *jsonpath.NotFoundError
		if errors.As(err, &nf) {
			return nil, r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("Invalid path '%s' : %s", rp.Path.String(), nf.Message))
		}
		var pe *jsonpath.EvalError
		if errors.As(err, &pe) {
			return nil, r.runtimeErr(pe.Name, pe.Cause)
		}
		return nil, r.runtimeErr(asl.StatesResultPathMatchFailure, err.Error())
	}
	return out, nil
}

// assignPath evaluates a JSONPath Assign with input as "$" and returns the
// new variables.
func (r *run) assignPath(t *jsonpath.Template, input any) (map[string]any, *asl.Error) {
	v, e := r.template(t, input)
	if e != nil {
		return nil, e
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// setVars assigns variables, copy on write (children share the map).
func (r *run) setVars(newVars map[string]any) {
	if len(newVars) == 0 {
		return
	}
	m := make(map[string]any, len(r.th.Vars)+len(newVars))
	for k, v := range r.th.Vars {
		m[k] = v
	}
	for k, v := range newVars {
		m[k] = v
	}
	r.th.Vars = m
}

// ataVars implements jsonata.Vars: $states and the workflow variables.
// $states is built the first time an expression reads it, with the
// context object only once an expression may read $states.context
// (needCtx, set before each evaluation).
type ataVars struct {
	r                 *run
	input, result     any
	errOut            any
	hasResult, hasErr bool
	needCtx           bool
	states            map[string]any
	statesCtx         bool // states has "context"
}

// Lookup implements jsonata.Vars.
func (v *ataVars) Lookup(name string) (any, bool) {
	if name == "states" {
		if v.states == nil || v.needCtx && !v.statesCtx {
			// A new map: one built without the context may be referenced
			// by an earlier result.
			v.states = map[string]any{"input": v.input}
			if v.needCtx {
				v.states["context"] = v.r.contextObject()
				v.statesCtx = true
			}
			if v.hasResult {
				v.states["result"] = v.result
			}
			if v.hasErr {
				v.states["errorOutput"] = v.errOut
			}
		}
		return v.states, true
	}
	x, ok := v.r.th.Vars[name]
	return x, ok
}

// EvalOptions implements jsonata.OptionsProvider: $now, $millis, $random,
// $uuid and $shuffle read the step's time and randomness.
func (v *ataVars) EvalOptions() jsonata.EvalOptions {
	return jsonata.EvalOptions{Now: v.r.env.Now, Rand: v.r.env.Rand}
}

// jsonataVars builds the JSONata bindings of the current state.
func (r *run) jsonataVars(input, result any, hasResult bool, errOut any, hasErr bool) *ataVars {
	return &ataVars{r: r, input: input, result: result, hasResult: hasResult, errOut: errOut, hasErr: hasErr}
}

func (r *run) evalJSONataTemplate(t *jsonata.Template, vars *ataVars, field string) (any, *asl.Error) {
	vars.needCtx = t.ReadsStatesContext()
	v, err := t.Eval(vars, field)
	if err != nil {
		return nil, r.evalErr(err)
	}
	return v, nil
}

func (r *run) assignJSONata(t *jsonata.Template, vars *ataVars) (map[string]any, *asl.Error) {
	v, e := r.evalJSONataTemplate(t, vars, "Assign")
	if e != nil {
		return nil, e
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// evalExpr evaluates a JSONata expression of a field and insists on a
// defined result.
func (r *run) evalExpr(x *jsonata.Expr, vars *ataVars, field string) (any, *asl.Error) {
	vars.needCtx = x.ReadsStatesContext()
	v, ok, err := x.Eval(vars)
	if err != nil {
		return nil, r.evalErr(err)
	}
	if !ok {
		return nil, r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", x.String(), field))
	}
	return v, nil
}

// finishJSONPath ends a Task, Parallel or Map state in JSONPath mode:
// ResultSelector, Assign, ResultPath, OutputPath, then exit.
func (r *run) finishJSONPath(result any) (Effect, error) {
	st, th := r.st, r.th
	if st.ResultSelector != nil {
		v, e := r.template(st.ResultSelector, result)
		if e != nil {
			return r.handleError(e)
		}
		result = v
	}
	out, newVars, e := r.assignResultPath(st.AssignPath, st.ResultPath, th.Input, result)
	if e != nil {
		return r.handleError(e)
	}
	out, e = r.outputPath(out)
	if e != nil {
		return r.handleError(e)
	}
	r.setVars(newVars)
	return r.exit(out, r.next())
}

// finishJSONata ends a Task, Parallel or Map state in JSONata mode:
// Assign and Output with $states.result, then exit.
func (r *run) finishJSONata(result any) (Effect, error) {
	st, th := r.st, r.th
	vars := r.jsonataVars(th.Input, result, true, nil, false)
	out, newVars, e := r.assignOutput(st.AssignExpr, st.Output, vars, result)
	if e != nil {
		return r.handleError(e)
	}
	r.setVars(newVars)
	return r.exit(out, r.next())
}

// assignOutput evaluates a JSONata state's Assign and Output with vars:
// the new variables, and the output (def without Output). Both see the
// variables as they were before the state.
func (r *run) assignOutput(assign, output *jsonata.Template, vars *ataVars, def any) (out any, newVars map[string]any, e *asl.Error) {
	if assign != nil {
		if newVars, e = r.assignJSONata(assign, vars); e != nil {
			return nil, nil, e
		}
	}
	out = def
	if output != nil {
		if out, e = r.evalJSONataTemplate(output, vars, "Output"); e != nil {
			return nil, nil, e
		}
	}
	return out, newVars, nil
}

// assignResultPath evaluates a JSONPath state's Assign with result as "$"
// and places result into raw per ResultPath.
func (r *run) assignResultPath(assign *jsonpath.Template, rp asl.OptPath, raw, result any) (out any, newVars map[string]any, e *asl.Error) {
	if assign != nil {
		if newVars, e = r.assignPath(assign, result); e != nil {
			return nil, nil, e
		}
	}
	if out, e = r.resultPath(rp, raw, result); e != nil {
		return nil, nil, e
	}
	return out, newVars, nil
}

// fieldValue returns the value of a field given as a literal, a path
// (against input) or a JSONata expression ($states.input is the state's
// raw input).
func (r *run) fieldValue(f asl.Field, input any, name string) (any, *asl.Error) {
	switch {
	case f.Expr != nil:
		return r.evalExpr(f.Expr, r.jsonataVars(r.th.Input, nil, false, nil, false), name)
	case f.Path != nil:
		v, err := r.resolve(f.Path, input)
		if err != nil {
			return nil, r.pathErr(f.Path, err)
		}
		return v, nil
	}
	return f.Literal, nil
}

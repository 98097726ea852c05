package interp

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

func (r *run) pass() (Effect, error) {
	st, th := r.st, r.th
	raw := th.Input
	if st.QueryLanguage == asl.JSONata {
		out, newVars, e := r.assignOutput(st.AssignExpr, st.Output, r.jsonataVars(raw, nil, false, nil, false), raw)
		if e != nil {
			return r.failThread(e)
		}
		r.setVars(newVars)
		return r.exit(out, r.next())
	}
	eff, e := r.inputPath(raw)
	if e != nil {
		return r.failThread(e)
	}
	if st.Parameters != nil {
		if eff, e = r.template(st.Parameters, eff); e != nil {
			return r.failThread(e)
		}
	}
	result := eff
	if st.HasResult {
		result = st.Result
	}
	out, newVars, e := r.assignResultPath(st.AssignPath, st.ResultPath, raw, result)
	if e != nil {
		return r.failThread(e)
	}
	if out, e = r.outputPath(out); e != nil {
		return r.failThread(e)
	}
	r.setVars(newVars)
	return r.exit(out, r.next())
}

func (r *run) succeed() (Effect, error) {
	st, th := r.st, r.th
	raw := th.Input
	if st.QueryLanguage == asl.JSONata {
		out := raw
		if st.Output != nil {
			v, e := r.evalJSONataTemplate(st.Output, r.jsonataVars(raw, nil, false, nil, false), "Output")
			if e != nil {
				return r.failThread(e)
			}
			out = v
		}
		return r.exit(out, "")
	}
	eff, e := r.inputPath(raw)
	if e != nil {
		return r.failThread(e)
	}
	out, e := r.outputPath(eff)
	if e != nil {
		return r.failThread(e)
	}
	return r.exit(out, "")
}

func (r *run) fail() (Effect, error) {
	st, th := r.st, r.th
	raw := th.Input
	ferr := &asl.Error{}
	var vars *ataVars
	if st.QueryLanguage == asl.JSONata {
		vars = r.jsonataVars(raw, nil, false, nil, false)
	}
	str := func(f asl.Field, name string) (string, bool, *asl.Error) {
		if !f.Set {
			return "", false, nil
		}
		var v any
		switch {
		case f.Expr != nil:
			x, e := r.evalExpr(f.Expr, vars, name)
			if e != nil {
				return "", false, e
			}
			v = x
		case f.Template != nil:
			x, e := r.template(f.Template, raw)
			if e != nil {
				e.Cause = strings.Replace(e.Cause, "'value.$'", "'"+name+"Path'", 1)
				return "", false, e
			}
			if m, ok := x.(map[string]any); ok {
				v = m["value"]
			}
		case f.Path != nil:
			x, err := r.resolve(f.Path, raw)
			if err != nil {
				return "", false, r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The JSONPath '%s' specified for the field '%sPath' could not be found in the input '%s'", f.Path.String(), name, value.MustString(raw)))
			}
			v = x
		default:
			v = f.Literal
		}
		if s, ok := v.(string); ok {
			return s, true, nil
		}
		return value.MustString(v), true, nil
	}
	name, hasName, e := str(st.Error, "Error")
	if e != nil {
		return r.failThread(e)
	}
	cause, hasCause, e := str(st.Cause, "Cause")
	if e != nil {
		return r.failThread(e)
	}
	ferr.Name = name
	ferr.Cause = cause
	ferr.NoCause = !hasCause
	_ = hasName
	return r.failThread(ferr)
}

func (r *run) wait() (Effect, error) {
	st, th := r.st, r.th
	raw := th.Input
	var due time.Time
	var out any
	if st.QueryLanguage == asl.JSONata {
		vars := r.jsonataVars(raw, nil, false, nil, false)
		switch {
		case st.Seconds.Set:
			v, e := r.fieldValue(st.Seconds, raw, "Seconds")
			if e != nil {
				return r.failThread(e)
			}
			n, ok := value.ToInt(v)
			if !ok || !value.IsNumber(v) || n < 0 {
				return r.failThread(r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The Seconds field must be a non-negative integer, but was: %s", value.MustString(v))))
			}
			due = afterSeconds(r.env.Now, n)
		case st.Timestamp.Set:
			v, e := r.fieldValue(st.Timestamp, raw, "Timestamp")
			if e != nil {
				return r.failThread(e)
			}
			s, _ := v.(string)
			t, ok := ParseTimestamp(s)
			if !ok {
				txt := s
				if _, isStr := v.(string); !isStr {
					txt = value.MustString(v)
				}
				return r.failThread(r.runtimeErr(asl.StatesQueryEvaluationError, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "+txt))
			}
			due = t
		}
		o, newVars, e := r.assignOutput(st.AssignExpr, st.Output, vars, raw)
		if e != nil {
			return r.failThread(e)
		}
		out = o
		r.setVars(newVars)
	} else {
		eff, e := r.inputPath(raw)
		if e != nil {
			return r.failThread(e)
		}
		switch {
		case st.Seconds.Set && st.Seconds.Path != nil:
			v, err := r.resolve(st.Seconds.Path, eff)
			if err != nil {
				return r.failThread(r.pathErr(st.Seconds.Path, err))
			}
			n, ok := value.ToInt(v)
			if !ok || !value.IsInteger(v) {
				return r.failThread(r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.Seconds.Path.String(), plain(v))))
			}
			if n < 0 {
				return r.failThread(r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The SecondsPath parameter references a negative value: %s == %s", st.Seconds.Path.String(), plain(v))))
			}
			due = afterSeconds(r.env.Now, n)
		case st.Seconds.Set:
			n, _ := value.ToInt(st.Seconds.Literal)
			due = afterSeconds(r.env.Now, n)
		case st.Timestamp.Set && st.Timestamp.Path != nil:
			v, err := r.resolve(st.Timestamp.Path, eff)
			if err != nil {
				return r.failThread(r.pathErr(st.Timestamp.Path, err))
			}
			s, _ := v.(string)
			t, ok := ParseTimestamp(s)
			if !ok {
				return r.failThread(r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.Timestamp.Path.String(), plain(v))))
			}
			due = t
		case st.Timestamp.Set:
			s, _ := st.Timestamp.Literal.(string)
			t, _ := ParseTimestamp(s)
			due = t
		}
		if out, e = r.outputPath(eff); e != nil {
			return r.failThread(e)
		}
	}
	// The thread keeps its raw input until the timer fires; the output is
	// computed now (AWS evaluates the fields on entry).
	th.Input = out
	th.Phase = PhaseTimer
	th.Due = due
	return Effect{Kind: Sleep, Due: due}, nil
}

// afterSeconds returns t plus n seconds, saturating beyond time.Duration's
// range (about 292 years) instead of overflowing into the past.
func afterSeconds(t time.Time, n int64) time.Time {
	if n > int64(math.MaxInt64/time.Second) {
		return t.Add(time.Duration(math.MaxInt64))
	}
	return t.Add(time.Duration(n) * time.Second)
}

// plain renders a value the way AWS's Java messages do: strings bare.
func plain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return value.MustString(v)
}

// ParseTimestamp parses an ISO-8601 extended offset date-time
// (RFC 3339 with a mandatory offset).
func ParseTimestamp(s string) (time.Time, bool) {
	if s == "" || !strings.Contains(s, "T") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// --- Task ---------------------------------------------------------------

func (r *run) task() (Effect, error) {
	st, th := r.st, r.th
	if strings.HasSuffix(st.Resource, ".waitForTaskToken") {
		th.TaskToken = r.newToken()
	}
	input, eff, e, retryable := r.stateInput(st.Parameters)
	if e != nil {
		if retryable {
			return r.handleError(e)
		}
		return r.failThread(e)
	}
	raw := eff // TimeoutSecondsPath and HeartbeatSecondsPath read the effective input
	if th.Timeout, e = r.numberField(st.TimeoutSeconds, raw, "TimeoutSeconds"); e != nil {
		return r.handleError(e)
	}
	if th.Heartbeat, e = r.numberField(st.HeartbeatSeconds, raw, "HeartbeatSeconds"); e != nil {
		return r.handleError(e)
	}
	th.TaskInput = input
	return r.invoke()
}

// taskKind returns the history event prefix and the resource fields.
func taskKind(resource string) (prefix, resourceType, res string) {
	switch {
	case strings.HasPrefix(resource, "arn:aws:states:::"), strings.Contains(resource, ":states:::"):
		rest := resource[strings.Index(resource, ":::")+3:]
		i := strings.LastIndex(rest, ":")
		if i < 0 {
			return "Task", rest, ""
		}
		return "Task", rest[:i], rest[i+1:]
	case strings.Contains(resource, ":lambda:") && strings.Contains(resource, ":function:"):
		return "LambdaFunction", "", resource
	case strings.Contains(resource, ":activity:"):
		return "Activity", "", resource
	}
	return "Task", "", resource
}

func (r *run) numberField(f asl.Field, input any, name string) (int64, *asl.Error) {
	if !f.Set {
		return 0, nil
	}
	v, e := r.fieldValue(f, input, name)
	if e != nil {
		return 0, e
	}
	n, ok := value.ToInt(v)
	if !ok || !value.IsNumber(v) || n <= 0 {
		return 0, r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The %s field must be a positive integer, but was: %s", name, value.MustString(v)))
	}
	return n, nil
}

func (r *run) invoke() (Effect, error) {
	st, th := r.st, r.th
	timeout, heartbeat := th.Timeout, th.Heartbeat
	prefix, rtype, res := taskKind(st.Resource)
	input := th.TaskInput
	region := regionOf(r.env.Exec.StateMachineARN)
	switch prefix {
	case "Task":
		r.env.emit(th, "TaskScheduled", "taskScheduledEventDetails", func() map[string]any {
			d := map[string]any{"resourceType": rtype, "resource": res, "region": region, "parameters": payload(input)}
			if timeout > 0 {
				d["timeoutInSeconds"] = timeout
			}
			if heartbeat > 0 {
				d["heartbeatInSeconds"] = heartbeat
			}
			return d
		})
		r.env.emit(th, "TaskStarted", "taskStartedEventDetails", func() map[string]any {
			return map[string]any{"resourceType": rtype, "resource": res}
		})
	case "LambdaFunction":
		r.env.emit(th, "LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails", func() map[string]any {
			d := map[string]any{"resource": res, "input": payload(input), "inputDetails": map[string]any{"truncated": false}}
			if timeout > 0 {
				d["timeoutInSeconds"] = timeout
			}
			return d
		})
		r.env.emit(th, "LambdaFunctionStarted", "", nil)
	case "Activity":
		r.env.emit(th, "ActivityScheduled", "activityScheduledEventDetails", func() map[string]any {
			d := map[string]any{"resource": res, "input": payload(input), "inputDetails": map[string]any{"truncated": false}}
			if timeout > 0 {
				d["timeoutInSeconds"] = timeout
			}
			if heartbeat > 0 {
				d["heartbeatInSeconds"] = heartbeat
			}
			return d
		})
	}
	th.Phase = PhaseTask
	attempt := th.RetryCount
	return Effect{Kind: Invoke, Task: &TaskRequest{
		State: st.Name, Resource: st.Resource, Input: input, TaskToken: th.TaskToken,
		TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat, Attempt: attempt, Credentials: st.Credentials,
		Execution: r.env.Exec, ThreadID: th.ID,
		IdempotencyKey: idempotencyKey(r.env.Exec, th, attempt),
	}}, nil
}

// idempotencyKey names one attempt of a task: the execution, the thread,
// the state's entered event and the attempt number. Every replay of the
// step gives the same key.
func idempotencyKey(ex *Execution, th *Thread, attempt int) string {
	arn := ""
	if ex != nil {
		arn = ex.ARN
	}
	return arn + "/" + th.ID + "/" + strconv.FormatInt(th.EnteredEventID, 10) + "/" + strconv.Itoa(attempt)
}

func regionOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return "us-east-1"
}

// newToken returns an unguessable task token.
func (r *run) newToken() string {
	var b [32]byte
	readRand(r.env.Rand, b[:])
	const hex = "0123456789abcdef"
	out := make([]byte, 64)
	for i, c := range b {
		out[2*i] = hex[c>>4]
		out[2*i+1] = hex[c&15]
	}
	return string(out)
}

func (r *run) taskDone(result any, terr *asl.Error) (Effect, error) {
	st, th := r.st, r.th
	prefix, rtype, res := taskKind(st.Resource)
	if terr == nil && value.SizeExceeds(result, r.maxPayload()) {
		who := st.Name
		if prefix == "LambdaFunction" {
			who = st.Resource
		}
		terr = &asl.Error{Name: asl.StatesDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", who)}
	}
	if terr != nil {
		typ, key := prefix+"Failed", strings.ToLower(prefix[:1])+prefix[1:]+"FailedEventDetails"
		if terr.Name == asl.StatesTimeout || terr.Name == asl.StatesHeartbeatTimeout {
			typ, key = prefix+"TimedOut", strings.ToLower(prefix[:1])+prefix[1:]+"TimedOutEventDetails"
		}
		e := terr
		r.env.emit(th, typ, key, func() map[string]any {
			d := errDetails(e)
			if prefix == "Task" {
				d["resourceType"] = rtype
				d["resource"] = res
			}
			return d
		})
		th.TaskToken = ""
		return r.handleError(terr)
	}
	switch prefix {
	case "Task":
		r.env.emit(th, "TaskSucceeded", "taskSucceededEventDetails", func() map[string]any {
			return map[string]any{"resourceType": rtype, "resource": res, "output": payload(result), "outputDetails": map[string]any{"truncated": false}}
		})
	case "LambdaFunction":
		r.env.emit(th, "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", func() map[string]any {
			return map[string]any{"output": payload(result), "outputDetails": map[string]any{"truncated": false}}
		})
	case "Activity":
		r.env.emit(th, "ActivitySucceeded", "activitySucceededEventDetails", func() map[string]any {
			return map[string]any{"output": payload(result), "outputDetails": map[string]any{"truncated": false}}
		})
	}
	th.TaskToken = ""
	if st.QueryLanguage == asl.JSONata {
		return r.finishJSONata(result)
	}
	return r.finishJSONPath(result)
}

func (r *run) maxPayload() int {
	if r.env.MaxPayload > 0 {
		return r.env.MaxPayload
	}
	return 256 * 1024
}

// --- Choice -------------------------------------------------------------

func (r *run) choice() (Effect, error) {
	st, th := r.st, r.th
	raw := th.Input
	if st.QueryLanguage == asl.JSONata {
		vars := r.jsonataVars(raw, nil, false, nil, false)
		for _, rule := range st.Choices {
			ok, e := r.condition(rule, vars)
			if e != nil {
				return r.failThread(e)
			}
			if ok {
				return r.choose(raw, vars, rule.AssignExpr, rule.Output, rule.Next)
			}
		}
		if st.Default == "" {
			return r.failThread(&asl.Error{Name: asl.StatesNoChoiceMatched, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). No Choice Rule matched the input.", st.Name, th.EnteredEventID)})
		}
		return r.choose(raw, vars, st.AssignExpr, st.Output, st.Default)
	}
	eff, e := r.inputPath(raw)
	if e != nil {
		return r.failThread(e)
	}
	next := st.Default
	assign := st.AssignPath
	matched := false
	for _, rule := range st.Choices {
		ok, e := r.evalRule(rule, eff)
		if e != nil {
			return r.failThread(e)
		}
		if ok {
			next, assign, matched = rule.Next, rule.AssignPath, true
			break
		}
	}
	if !matched && next == "" {
		return r.failThread(&asl.Error{Name: asl.StatesNoChoiceMatched, Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). No Choice Rule matched the input.", st.Name, th.EnteredEventID)})
	}
	var newVars map[string]any
	if assign != nil {
		if newVars, e = r.assignPath(assign, eff); e != nil {
			return r.failThread(e)
		}
	}
	out, e := r.outputPath(eff)
	if e != nil {
		return r.failThread(e)
	}
	r.setVars(newVars)
	return r.exit(out, next)
}

func (r *run) choose(raw any, vars *ataVars, assign, output *jsonata.Template, next string) (Effect, error) {
	out, newVars, e := r.assignOutput(assign, output, vars, raw)
	if e != nil {
		return r.failThread(e)
	}
	r.setVars(newVars)
	return r.exit(out, next)
}

func (r *run) condition(rule *asl.ChoiceRule, vars *ataVars) (bool, *asl.Error) {
	c := rule.Condition
	var v any = c.Literal
	if c.Expr != nil {
		x, e := r.evalExpr(c.Expr, vars, "Condition")
		if e != nil {
			return false, e
		}
		v = x
	}
	b, ok := v.(bool)
	if !ok {
		return false, r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The Condition field must evaluate to a boolean value, but was: %s", value.MustString(v)))
	}
	return b, nil
}

// --- fan-out ------------------------------------------------------------

func (r *run) fork() (Effect, error) {
	var params *jsonpath.Template
	if r.st.Type == asl.TypeParallel {
		params = r.st.Parameters // a Map's Parameters is its ItemSelector
	}
	input, _, e, retryable := r.stateInput(params)
	if e != nil {
		if retryable {
			return r.handleError(e)
		}
		return r.failThread(e)
	}
	r.th.TaskInput = input
	return r.startChildren()
}

// stateInput computes the effective input of a Task, Parallel or Map:
// Arguments in JSONata; InputPath then params in JSONPath. eff is the
// input after InputPath (the raw input in JSONata). An error of InputPath
// is not retryable (States.Runtime fails the thread); the others go
// through Retry and Catch.
func (r *run) stateInput(params *jsonpath.Template) (input, eff any, e *asl.Error, retryable bool) {
	st, raw := r.st, r.th.Input
	if st.QueryLanguage == asl.JSONata {
		if st.Arguments == nil {
			return raw, raw, nil, false
		}
		v, e := r.evalJSONataTemplate(st.Arguments, r.jsonataVars(raw, nil, false, nil, false), "Arguments")
		return v, raw, e, true
	}
	eff, e = r.inputPath(raw)
	if e != nil {
		return nil, nil, e, false
	}
	if params == nil {
		return eff, eff, nil, false
	}
	input, e = r.template(params, eff)
	return input, eff, e, true
}

func (r *run) startChildren() (Effect, error) {
	st, th := r.st, r.th
	input := th.TaskInput
	f := &ForkRequest{ToleratedFailureCount: -1, ToleratedFailurePercentage: -1}
	if st.Type == asl.TypeParallel {
		r.env.emit(th, "ParallelStateStarted", "", nil)
		for i, b := range st.Branches {
			c := r.child(join(th.Machine, st.Name+"#"+strconv.Itoa(i)), b.StartAt, input, i)
			f.Children = append(f.Children, c)
		}
		th.Phase = PhaseChildren
		return Effect{Kind: Fork, Fork: f}, nil
	}
	f.Map = true
	items, e := r.mapItems(input)
	if e != nil {
		return r.failThread(e)
	}
	if e := r.mapLimits(f, input); e != nil {
		return r.failThread(e)
	}
	n := len(items)
	r.env.emit(th, "MapStateStarted", "mapStateStartedEventDetails", func() map[string]any {
		return map[string]any{"length": n}
	})
	path := join(th.Machine, st.Name+"#0")
	for i, item := range items {
		c := r.child(path, st.ItemProcessor.StartAt, nil, i)
		c.HasItem = true
		c.ItemIndex = i
		c.ItemValue = item
		in, e := r.itemInput(c, input, item)
		if e != nil {
			return r.failThread(e)
		}
		c.Input = in
		f.Children = append(f.Children, c)
	}
	th.Phase = PhaseChildren
	return Effect{Kind: Fork, Fork: f}, nil
}

func (r *run) child(machine, start string, input any, i int) *Thread {
	return &Thread{
		ID:          r.th.ID + "/" + strconv.Itoa(i),
		Machine:     machine,
		Status:      Running,
		State:       start,
		Input:       input,
		Vars:        r.th.Vars,
		LastEventID: r.th.LastEventID,
	}
}

// mapItems finds the items of a Map state.
func (r *run) mapItems(input any) ([]any, *asl.Error) {
	st := r.st
	if st.QueryLanguage == asl.JSONata {
		var v any = input
		if st.Items.Set {
			v = st.Items.Literal
			if st.Items.Expr != nil {
				x, e := r.evalExpr(st.Items.Expr, r.jsonataVars(r.th.Input, nil, false, nil, false), "Items")
				if e != nil {
					return nil, e
				}
				v = x
				if arr, ok := v.([]any); ok {
					return arr, nil
				}
				return nil, r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s", st.Items.Expr.String(), value.TypeName(v), value.MustString(v)))
			}
			if arr, ok := v.([]any); ok {
				// A literal array may hold "{% %}" items: evaluate them.
				return r.literalItems(arr)
			}
		}
		if arr, ok := v.([]any); ok {
			return arr, nil
		}
		return nil, r.runtimeErr(asl.StatesQueryEvaluationError, "Map state input must be an array but was: "+value.MustString(v))
	}
	v := input
	if st.ItemsPath.Set && !st.ItemsPath.Null {
		x, err := r.resolve(st.ItemsPath.Path, input)
		if err != nil {
			return nil, r.pathErr(st.ItemsPath.Path, err)
		}
		v = x
	}
	if arr, ok := v.([]any); ok {
		return arr, nil
	}
	return nil, r.runtimeErr(asl.StatesRuntime, "Map state input must be an array but was: "+value.MustString(v))
}

func (r *run) literalItems(arr []any) ([]any, *asl.Error) {
	t, err := jsonata.CompileTemplate(arr)
	if err != nil {
		return nil, r.evalErr(err)
	}
	v, e := r.evalJSONataTemplate(t, r.jsonataVars(r.th.Input, nil, false, nil, false), "Items")
	if e != nil {
		return nil, e
	}
	out, _ := v.([]any)
	return out, nil
}

// mapLimits evaluates MaxConcurrency and the tolerated failures.
func (r *run) mapLimits(f *ForkRequest, input any) *asl.Error {
	st := r.st
	get := func(fl asl.Field, name string) (any, bool, *asl.Error) {
		if !fl.Set {
			return nil, false, nil
		}
		v, e := r.fieldValue(fl, input, name)
		return v, true, e
	}
	asInt := func(v any, fl asl.Field, name string) (int64, *asl.Error) {
		if n, ok := v.(json.Number); ok {
			if i, ok := value.ToInt(n); ok {
				return i, nil
			}
		}
		if s, ok := v.(string); ok && fl.Path != nil {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i, nil
			}
		}
		if fl.Path != nil {
			return 0, r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The %sPath field refers to value \"%s\" which is not a valid integer: %s", name, plain(v), fl.Path.String()))
		}
		return 0, r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The %s field must be a non-negative integer, but was: %s", name, value.MustString(v)))
	}
	// count reads a non-negative integer field.
	count := func(fl asl.Field, name string) (int64, bool, *asl.Error) {
		v, ok, e := get(fl, name)
		if e != nil || !ok {
			return 0, ok, e
		}
		n, e := asInt(v, fl, name)
		if e != nil {
			return 0, true, e
		}
		if n < 0 {
			return 0, true, r.runtimeErr(asl.StatesRuntime, name+" cannot be negative.")
		}
		return n, true, nil
	}
	if n, ok, e := count(st.MaxConcurrency, "MaxConcurrency"); e != nil {
		return e
	} else if ok {
		f.MaxConcurrency = int(n)
	}
	if n, ok, e := count(st.ToleratedFailureCount, "ToleratedFailureCount"); e != nil {
		return e
	} else if ok {
		f.ToleratedFailureCount = n
	}
	if v, ok, e := get(st.ToleratedFailurePercentage, "ToleratedFailurePercentage"); e != nil {
		return e
	} else if ok {
		var p float64
		fv, isNum := value.ToFloat(v)
		if _, isN := v.(json.Number); isN && isNum {
			p = fv
		} else if s, isS := v.(string); isS && st.ToleratedFailurePercentage.Path != nil {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", plain(v), st.ToleratedFailurePercentage.Path.String()))
			}
			p = x
		} else if st.ToleratedFailurePercentage.Path != nil {
			return r.runtimeErr(asl.StatesRuntime, fmt.Sprintf("The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", plain(v), st.ToleratedFailurePercentage.Path.String()))
		} else {
			return r.runtimeErr(asl.StatesQueryEvaluationError, fmt.Sprintf("The ToleratedFailurePercentage field must be a number between 0 and 100, but was: %s", value.MustString(v)))
		}
		if p < 0 || p > 100 || math.IsNaN(p) {
			return r.runtimeErr(asl.StatesRuntime, "ToleratedFailurePercentage must be between 0 and 100.")
		}
		f.ToleratedFailurePercentage = p
	}
	return nil
}

// itemInput computes one iteration's input (ItemSelector or the item).
func (r *run) itemInput(c *Thread, input, item any) (any, *asl.Error) {
	st, th := r.st, r.th
	jsonataMode := st.QueryLanguage == asl.JSONata
	if jsonataMode && st.ItemSelectorExpr == nil || !jsonataMode && st.ItemSelector == nil {
		return item, nil
	}
	// The selector's $$.Map.Item is this item: lend it to the Map's own
	// thread for the evaluation.
	has, idx, val := th.HasItem, th.ItemIndex, th.ItemValue
	th.HasItem, th.ItemIndex, th.ItemValue = true, c.ItemIndex, item
	defer func() { th.HasItem, th.ItemIndex, th.ItemValue = has, idx, val }()
	if jsonataMode {
		return r.evalJSONataTemplate(st.ItemSelectorExpr, r.jsonataVars(th.Input, nil, false, nil, false), "ItemSelector")
	}
	return r.template(st.ItemSelector, input)
}

func (r *run) childrenDone(results []ChildResult) (Effect, error) {
	st, th := r.st, r.th
	f := &ForkRequest{ToleratedFailureCount: -1, ToleratedFailurePercentage: -1, Map: st.Type == asl.TypeMap}
	if f.Map {
		if e := r.mapLimits(f, th.TaskInput); e != nil {
			return r.failThread(e)
		}
	}
	failed := 0
	var first *asl.Error
	for _, c := range results {
		if c.Error != nil {
			failed++
			if first == nil {
				first = c.Error
			}
		}
	}
	prefix := string(st.Type)
	if failed > 0 && f.Exceeded(failed, len(results)) {
		err := first
		if f.Map && (f.ToleratedFailureCount >= 0 || f.ToleratedFailurePercentage >= 0) {
			err = &asl.Error{Name: asl.StatesExceedToleratedFailureThreshold, Cause: "The specified tolerated failure threshold was exceeded"}
		}
		// A retried fan-out starts again without a ...StateFailed event.
		if eff, ok := r.retry(err); ok {
			return eff, nil
		}
		r.env.emit(th, prefix+"StateFailed", "", nil)
		return r.catchOrFail(err)
	}
	out := make([]any, len(results))
	for i, c := range results {
		if c.Error != nil {
			m := map[string]any{"Error": c.Error.Name, "Cause": c.Error.Cause}
			out[i] = m
			continue
		}
		out[i] = c.Output
	}
	// The state's next event follows the children's, not this one.
	r.env.emitAside(th, prefix+"StateSucceeded", "", nil)
	if st.QueryLanguage == asl.JSONata {
		return r.finishJSONata(out)
	}
	return r.finishJSONPath(out)
}

package asl

import (
	"strings"

	"github.com/stepwise-dev/stepwise/orchestrator/jsonata"
	"github.com/stepwise-dev/stepwise/orchestrator/jsonpath"
)

// fieldLang says in which query language a state field is allowed.
type fieldLang uint8

const (
	langBoth fieldLang = iota
	langJSONPath
	langJSONata
)

// Fields shared by the state types.
var (
	commonFields = map[string]fieldLang{"Type": langBoth, "Comment": langBoth, "QueryLanguage": langBoth}
	flowFields   = map[string]fieldLang{"Next": langBoth, "End": langBoth}
	ioFields     = map[string]fieldLang{"InputPath": langJSONPath, "OutputPath": langJSONPath, "Output": langJSONata}
)

// stateFields lists the fields of each state type beyond commonFields.
var stateFields = map[StateType]map[string]fieldLang{
	TypePass: merge(flowFields, ioFields, map[string]fieldLang{
		"ResultPath": langJSONPath, "Parameters": langJSONPath, "Result": langJSONPath, "Assign": langBoth,
	}),
	TypeTask: merge(flowFields, ioFields, map[string]fieldLang{
		"Resource": langBoth, "ResultPath": langJSONPath, "Parameters": langJSONPath, "ResultSelector": langJSONPath,
		"Arguments": langJSONata, "Retry": langBoth, "Catch": langBoth, "TimeoutSeconds": langBoth,
		"TimeoutSecondsPath": langJSONPath, "HeartbeatSeconds": langBoth, "HeartbeatSecondsPath": langJSONPath,
		"Credentials": langBoth, "Assign": langBoth,
	}),
	TypeChoice: merge(ioFields, map[string]fieldLang{"Choices": langBoth, "Default": langBoth, "Assign": langBoth}),
	TypeWait: merge(flowFields, ioFields, map[string]fieldLang{
		"Seconds": langBoth, "SecondsPath": langJSONPath, "Timestamp": langBoth, "TimestampPath": langJSONPath,
		"Assign": langBoth,
	}),
	TypeSucceed: merge(ioFields),
	TypeFail: {
		"Error": langBoth, "ErrorPath": langJSONPath, "Cause": langBoth, "CausePath": langJSONPath,
	},
	TypeParallel: merge(flowFields, ioFields, map[string]fieldLang{
		"Branches": langBoth, "ResultPath": langJSONPath, "Parameters": langJSONPath, "ResultSelector": langJSONPath,
		"Arguments": langJSONata, "Retry": langBoth, "Catch": langBoth, "Assign": langBoth,
	}),
	TypeMap: merge(flowFields, ioFields, map[string]fieldLang{
		"ItemProcessor": langBoth, "Iterator": langBoth, "ItemsPath": langJSONPath, "Items": langJSONata,
		"ItemSelector": langBoth, "Parameters": langJSONPath, "ItemReader": langBoth, "ItemBatcher": langBoth,
		"ResultWriter": langBoth, "Label": langBoth, "MaxConcurrency": langBoth, "MaxConcurrencyPath": langJSONPath,
		"ToleratedFailureCount": langBoth, "ToleratedFailureCountPath": langJSONPath,
		"ToleratedFailurePercentage": langBoth, "ToleratedFailurePercentagePath": langJSONPath,
		"ResultPath": langJSONPath, "ResultSelector": langJSONPath, "Retry": langBoth, "Catch": langBoth,
		"Assign": langBoth,
	}),
}

func merge(sets ...map[string]fieldLang) map[string]fieldLang {
	out := map[string]fieldLang{}
	for _, s := range sets {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

// stateTypes lists the valid values of Type, for messages.
const stateTypes = "Choice, Fail, Map, Parallel, Pass, Succeed, Task, Wait"

// state parses one state at loc.
func (p *parser) state(name string, n *node, loc string) *State {
	st := &State{Name: name}
	if n.kind != kindObject {
		p.schema(loc, "The state must be an object, not %s", n.typeName())
		return st
	}
	p.dupFields(n, loc)
	tn := n.get("Type")
	if tn == nil {
		p.schema(loc, "These fields are required: [Type]")
		return st
	}
	ts, ok := p.str(tn, loc+"/Type", "Type")
	if !ok {
		return st
	}
	st.Type = StateType(ts)
	fields, ok := stateFields[st.Type]
	if !ok {
		p.schema(loc+"/Type", "The value for the field 'Type' must be one of: %s", stateTypes)
		return st
	}

	// The query language: the state's own, or the machine's.
	st.QueryLanguage = p.top
	if v := n.get("QueryLanguage"); v != nil {
		if ql, ok := p.queryLanguage(v, loc+"/QueryLanguage"); ok {
			if p.top == JSONata && ql == JSONPath {
				p.schema(loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
			}
			st.QueryLanguage = ql
		}
	}
	if v := n.get("Comment"); v != nil {
		st.Comment, _ = p.str(v, loc+"/Comment", "Comment")
	}

	// Unknown fields and fields of the other query language.
	ok = true
	for _, k := range n.keys {
		if _, common := commonFields[k]; common {
			continue
		}
		lang, known := fields[k]
		switch {
		case !known:
			p.schema(loc, "Field '%s' is not supported", k)
			ok = false
		case lang == langJSONPath && st.QueryLanguage == JSONata:
			p.schema(loc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", k)
			ok = false
		case lang == langJSONata && st.QueryLanguage == JSONPath:
			p.schema(loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", k)
			ok = false
		}
	}
	// get returns a field only when it is allowed here.
	get := func(k string) *node {
		if !ok {
			lang, known := fields[k]
			if !known || lang == langJSONPath && st.QueryLanguage == JSONata || lang == langJSONata && st.QueryLanguage == JSONPath {
				return nil
			}
		}
		return n.get(k)
	}

	if _, flows := fields["Next"]; flows {
		p.transition(st, get("Next"), get("End"), loc)
	}
	p.io(st, get, loc)
	switch st.Type {
	case TypePass:
		if v := get("Result"); v != nil {
			st.Result = v.value()
			st.HasResult = true
		}
	case TypeTask:
		p.task(st, get, loc)
	case TypeChoice:
		p.choiceState(st, get, loc)
	case TypeWait:
		p.wait(st, get, loc)
	case TypeFail:
		p.fail(st, get, loc)
	case TypeParallel:
		p.parallel(st, get, loc)
	case TypeMap:
		p.mapState(st, get, loc)
	}
	if v := get("Retry"); v != nil {
		st.Retry = p.retry(v, loc+"/Retry")
	}
	if v := get("Catch"); v != nil {
		st.Catch = p.catch(st, v, loc+"/Catch")
	}
	return st
}

// transition parses Next and End.
func (p *parser) transition(st *State, next, end *node, loc string) {
	if next != nil {
		st.Next, _ = p.str(next, loc+"/Next", "Next")
	}
	if end != nil {
		if b, ok := p.boolean(end, loc+"/End", "End"); ok {
			st.End = b
			if !b {
				p.schema(loc+"/End", "The value for the field 'End' must be true")
			}
		}
	}
	switch {
	case next != nil && end != nil:
		p.schema(loc, "The fields 'Next' and 'End' are mutually exclusive")
	case next == nil && end == nil:
		p.schema(loc, "One of the fields 'Next' or 'End' is required")
	}
}

// io parses the input and output processing fields every type may have.
func (p *parser) io(st *State, get func(string) *node, loc string) {
	if v := get("InputPath"); v != nil {
		st.InputPath = p.optPath(v, loc+"/InputPath", "InputPath", false)
	}
	if v := get("OutputPath"); v != nil {
		st.OutputPath = p.optPath(v, loc+"/OutputPath", "OutputPath", false)
	}
	if v := get("ResultPath"); v != nil {
		st.ResultPath = p.optPath(v, loc+"/ResultPath", "ResultPath", true)
	}
	if v := get("Parameters"); v != nil {
		if st.Type == TypeMap {
			if get("ItemSelector") != nil {
				p.schema(loc, "The fields 'ItemSelector' and 'Parameters' are mutually exclusive")
			}
			st.ItemSelector = p.template(v, loc+"/Parameters", "Parameters", true)
		} else {
			st.Parameters = p.template(v, loc+"/Parameters", "Parameters", st.Type != TypePass)
		}
	}
	if v := get("ResultSelector"); v != nil {
		st.ResultSelector = p.template(v, loc+"/ResultSelector", "ResultSelector", true)
	}
	if v := get("Arguments"); v != nil {
		st.Arguments = p.jsonataTemplate(v, loc+"/Arguments", "Arguments", false)
	}
	if v := get("Output"); v != nil {
		st.Output = p.jsonataTemplate(v, loc+"/Output", "Output", false)
	}
	if v := get("Assign"); v != nil {
		st.AssignPath, st.AssignExpr = p.assign(st.QueryLanguage, v, loc+"/Assign")
	}
}

// assign parses an Assign field in the state's language.
func (p *parser) assign(lang QueryLanguage, n *node, loc string) (*jsonpath.Template, *jsonata.Template) {
	if n.kind != kindObject {
		p.schema(loc, "The field 'Assign' must be an object, not %s", n.typeName())
		return nil, nil
	}
	if lang == JSONata {
		return nil, p.jsonataTemplate(n, loc, "Assign", true)
	}
	return p.template(n, loc, "Assign", true), nil
}

// task parses the fields of a Task state.
func (p *parser) task(st *State, get func(string) *node, loc string) {
	if v := get("Resource"); v == nil {
		p.schema(loc, "These fields are required: [Resource]")
	} else if s, ok := p.str(v, loc+"/Resource", "Resource"); ok {
		st.Resource = s
		p.resource(s, loc+"/Resource")
	}
	st.TimeoutSeconds = p.intField(st, get("TimeoutSeconds"), get("TimeoutSecondsPath"), loc, "TimeoutSeconds", 1, maxSeconds)
	st.HeartbeatSeconds = p.intField(st, get("HeartbeatSeconds"), get("HeartbeatSecondsPath"), loc, "HeartbeatSeconds", 1, maxSeconds)
	if t, ok := fieldInt(st.TimeoutSeconds); ok {
		if h, ok := fieldInt(st.HeartbeatSeconds); ok && h >= t {
			p.schema(loc+"/HeartbeatSeconds", "The value for the field 'HeartbeatSeconds' must be smaller than the value for the field 'TimeoutSeconds'")
		}
	}
	if v := get("Credentials"); v != nil {
		p.credentials(st, v, loc+"/Credentials")
	}
}

func fieldInt(f Field) (int64, bool) {
	if n, ok := f.Literal.(interface{ Int64() (int64, error) }); ok {
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// resource checks a Task's Resource.
func (p *parser) resource(s, loc string) {
	if !strings.HasPrefix(s, "arn:") {
		p.schema(loc, "The value for the field 'Resource' must be a valid ARN")
		return
	}
	if p.opts.Type == TypeExpress || p.express {
		switch {
		case strings.HasSuffix(s, ".waitForTaskToken"):
			p.schema(loc, "Express state machine does not support '.waitForTaskToken' service integration")
		case strings.HasSuffix(s, ".sync") || strings.Contains(s, ".sync:"):
			p.schema(loc, "Express state machine does not support '.sync' service integration")
		}
	}
	if p.opts.KnownResource != nil && !p.opts.KnownResource(s) {
		p.add(CodeInvalidResource, loc, "Resource type is not supported: '%s'", s)
	}
}

// credentials checks a Task's Credentials: an object with RoleArn.
func (p *parser) credentials(st *State, n *node, loc string) {
	if n.kind != kindObject {
		p.schema(loc, "The field 'Credentials' must be an object, not %s", n.typeName())
		return
	}
	st.Credentials = n.value()
	role := n.get("RoleArn")
	rolePath := n.get("RoleArn.$")
	if st.QueryLanguage == JSONata {
		rolePath = nil
	}
	if role == nil && rolePath == nil {
		p.schema(loc, "The field 'RoleArn' is required but was missing")
		return
	}
	for _, k := range n.keys {
		if k != "RoleArn" && (k != "RoleArn.$" || st.QueryLanguage == JSONata) {
			p.schema(loc, "Field '%s' is not supported", k)
		}
	}
	if role != nil && rolePath != nil {
		p.schema(loc, "The fields 'RoleArn' and 'RoleArn.$' are mutually exclusive")
		return
	}
	if st.QueryLanguage == JSONata {
		if _, ok := p.jsonataString(role, loc+"/RoleArn"); ok {
			return
		}
	}
	if role != nil {
		p.str(role, loc+"/RoleArn", "RoleArn")
	}
	if rolePath != nil {
		p.template(n, loc, "Credentials", true)
	}
}

// wait parses the fields of a Wait state.
func (p *parser) wait(st *State, get func(string) *node, loc string) {
	sec, secPath, ts, tsPath := get("Seconds"), get("SecondsPath"), get("Timestamp"), get("TimestampPath")
	count := 0
	for _, v := range []*node{sec, secPath, ts, tsPath} {
		if v != nil {
			count++
		}
	}
	if count != 1 {
		if st.QueryLanguage == JSONata {
			p.schema(loc, "Exactly one of the fields 'Seconds' or 'Timestamp' is required")
		} else {
			p.schema(loc, "Exactly one of the fields 'Seconds', 'SecondsPath', 'Timestamp' or 'TimestampPath' is required")
		}
	}
	if sec != nil || secPath != nil {
		st.Seconds = p.intField(st, sec, secPath, loc, "Seconds", 0, maxSeconds)
	}
	if ts != nil {
		st.Timestamp.Set = true
		if e, ok := p.jsonataString(ts, loc+"/Timestamp"); ok && st.QueryLanguage == JSONata {
			st.Timestamp.Expr = e
		} else if s, ok := p.str(ts, loc+"/Timestamp", "Timestamp"); ok {
			if !isTimestamp(s) {
				p.schema(loc+"/Timestamp", "String does not match RFC3339 timestamp")
			} else {
				st.Timestamp.Literal = s
			}
		}
	}
	if tsPath != nil {
		st.Timestamp.Set = true
		if s, ok := p.str(tsPath, loc+"/TimestampPath", "TimestampPath"); ok {
			st.Timestamp.Path = p.path(s, loc+"/TimestampPath", "TimestampPath", true)
		}
	}
}

// fail parses the fields of a Fail state.
func (p *parser) fail(st *State, get func(string) *node, loc string) {
	st.Error = p.failField(st, get("Error"), get("ErrorPath"), loc, "Error")
	st.Cause = p.failField(st, get("Cause"), get("CausePath"), loc, "Cause")
}

func (p *parser) failField(st *State, n, pathNode *node, loc, field string) Field {
	f, done := p.twinField(st, n, pathNode, loc, field)
	if done {
		return f
	}
	if n != nil {
		if s, ok := p.str(n, loc+"/"+field, field); ok {
			f.Literal = s
		}
		return f
	}
	if pathNode != nil {
		ploc := loc + "/" + field + "Path"
		s, ok := p.str(pathNode, ploc, field+"Path")
		if !ok {
			return f
		}
		t, err := compileValueTemplate(s)
		if err != nil {
			p.schema(ploc, "The value for the field '%sPath' must be a valid JSONPath or a valid intrinsic function call", field)
			return f
		}
		f.Template = t
		if !strings.HasPrefix(s, "States.") {
			f.Path = p.pathQuiet(s)
		}
	}
	return f
}

// parallel parses the fields of a Parallel state.
func (p *parser) parallel(st *State, get func(string) *node, loc string) {
	v := get("Branches")
	if v == nil {
		p.schema(loc, "These fields are required: [Branches]")
		return
	}
	if v.kind != kindArray || len(v.vals) == 0 {
		p.schema(loc+"/Branches", "The field 'Branches' must be a non-empty array")
		return
	}
	for i, b := range v.vals {
		bloc := index(loc+"/Branches", i)
		if b.kind != kindObject {
			p.schema(bloc, "A branch must be an object, not %s", b.typeName())
			continue
		}
		st.Branches = append(st.Branches, p.machine(b, bloc, machineBranch, p.top))
	}
}

// mapState parses the fields of a Map state.
func (p *parser) mapState(st *State, get func(string) *node, loc string) {
	proc, iter := get("ItemProcessor"), get("Iterator")
	switch {
	case proc != nil && iter != nil:
		p.schema(loc, "The fields 'ItemProcessor' and 'Iterator' are mutually exclusive")
	case proc == nil && iter == nil:
		p.schema(loc, "These fields are required: [ItemProcessor]")
	}
	if proc != nil {
		if proc.kind != kindObject {
			p.schema(loc+"/ItemProcessor", "The field 'ItemProcessor' must be an object, not %s", proc.typeName())
		} else {
			st.ItemProcessor = p.machine(proc, loc+"/ItemProcessor", machineProcessor, p.top)
		}
	} else if iter != nil {
		if iter.kind != kindObject {
			p.schema(loc+"/Iterator", "The field 'Iterator' must be an object, not %s", iter.typeName())
		} else {
			st.ItemProcessor = p.machine(iter, loc+"/Iterator", machineIterator, p.top)
		}
	}
	if st.ItemProcessor != nil {
		st.Distributed = st.ItemProcessor.ProcessorMode == "DISTRIBUTED"
	}
	if v := get("ItemsPath"); v != nil {
		st.ItemsPath = p.optPath(v, loc+"/ItemsPath", "ItemsPath", false)
	}
	if v := get("Items"); v != nil {
		st.Items.Set = true
		if e, ok := p.jsonataString(v, loc+"/Items"); ok {
			st.Items.Expr = e
		} else if v.kind == kindArray || v.kind == kindObject {
			// An object is accepted here and fails when the state runs,
			// as on AWS ("Expected 'array', but was 'object'").
			st.Items.Literal = v.value()
		} else {
			p.schema(loc+"/Items", "The field 'Items' must be an array or a JSONata expression")
		}
	}
	if v := get("ItemSelector"); v != nil {
		if st.QueryLanguage == JSONata {
			st.ItemSelectorExpr = p.jsonataTemplate(v, loc+"/ItemSelector", "ItemSelector", false)
		} else {
			st.ItemSelector = p.template(v, loc+"/ItemSelector", "ItemSelector", true)
		}
	}
	st.MaxConcurrency = p.intField(st, get("MaxConcurrency"), get("MaxConcurrencyPath"), loc, "MaxConcurrency", 0, 1<<31-1)
	st.ToleratedFailureCount = p.intField(st, get("ToleratedFailureCount"), get("ToleratedFailureCountPath"), loc, "ToleratedFailureCount", 0, 1<<31-1)
	st.ToleratedFailurePercentage = p.percentage(st, get("ToleratedFailurePercentage"), get("ToleratedFailurePercentagePath"), loc)
	if v := get("ItemReader"); v != nil {
		p.objectField(v, loc+"/ItemReader", "ItemReader")
		st.ItemReader = v.value()
	}
	if v := get("ItemBatcher"); v != nil {
		p.objectField(v, loc+"/ItemBatcher", "ItemBatcher")
		st.ItemBatcher = v.value()
	}
	if v := get("ResultWriter"); v != nil {
		p.objectField(v, loc+"/ResultWriter", "ResultWriter")
		st.ResultWriter = v.value()
	}
	if v := get("Label"); v != nil {
		st.Label, _ = p.str(v, loc+"/Label", "Label")
	}
}

func (p *parser) objectField(n *node, loc, field string) {
	if n.kind != kindObject {
		p.schema(loc, "The field '%s' must be an object, not %s", field, n.typeName())
	}
}

// percentage parses ToleratedFailurePercentage(Path): a number in [0, 100].
func (p *parser) percentage(st *State, n, pathNode *node, loc string) Field {
	const field = "ToleratedFailurePercentage"
	var f Field
	if n != nil && pathNode != nil {
		p.schema(loc, "The fields '%s' and '%sPath' are mutually exclusive", field, field)
	}
	if n != nil {
		f.Set = true
		if st.QueryLanguage == JSONata {
			if e, ok := p.jsonataString(n, loc+"/"+field); ok {
				f.Expr = e
				return f
			}
		}
		if x, ok := nodeFloat(n); !ok || x < 0 || x > 100 {
			p.schema(loc+"/"+field, "The value for the field '%s' must be a number between 0 and 100", field)
		} else {
			f.Literal = n.num()
		}
		return f
	}
	if pathNode != nil {
		f.Set = true
		if s, ok := p.str(pathNode, loc+"/"+field+"Path", field+"Path"); ok {
			f.Path = p.path(s, loc+"/"+field+"Path", field+"Path", true)
		}
	}
	return f
}

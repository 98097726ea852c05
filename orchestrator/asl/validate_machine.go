package asl

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// machineKind says where a state machine object sits.
type machineKind uint8

const (
	machineTop       machineKind = iota // the definition itself
	machineBranch                       // a Parallel branch
	machineProcessor                    // a Map's ItemProcessor
	machineIterator                     // a Map's legacy Iterator
)

// machineFields lists the fields each kind of state machine object allows.
var machineFields = map[machineKind][]string{
	machineTop:       {"Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage"},
	machineBranch:    {"Comment", "StartAt", "States"},
	machineProcessor: {"Comment", "StartAt", "States", "ProcessorConfig"},
	machineIterator:  {"Comment", "StartAt", "States", "ProcessorConfig"},
}

// MaxStateNameLength is the longest state name AWS accepts, in characters.
const MaxStateNameLength = 80

// machine parses a state machine object at loc ("" for the root).
func (p *parser) machine(n *node, loc string, kind machineKind, lang QueryLanguage) *StateMachine {
	sm := &StateMachine{States: map[string]*State{}, QueryLanguage: lang}
	p.dupFields(n, loc)
	allowed := machineFields[kind]
	for _, k := range n.keys {
		if !contains(allowed, k) {
			p.schema(at(loc), "Field '%s' is not supported", k)
		}
	}
	var missing []string
	if !n.has("States") {
		missing = append(missing, "States")
	}
	if !n.has("StartAt") {
		missing = append(missing, "StartAt")
	}
	if len(missing) > 0 {
		p.schema(at(loc), "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	if v := n.get("Comment"); v != nil {
		sm.Comment, _ = p.str(v, loc+"/Comment", "Comment")
	}
	if kind == machineTop {
		if v := n.get("QueryLanguage"); v != nil {
			if ql, ok := p.queryLanguage(v, loc+"/QueryLanguage"); ok {
				sm.QueryLanguage = ql
			}
		}
		p.top = sm.QueryLanguage
		if v := n.get("Version"); v != nil {
			sm.Version, _ = p.str(v, loc+"/Version", "Version")
		}
		if v := n.get("TimeoutSeconds"); v != nil {
			sm.TimeoutSeconds, _ = p.integer(v, loc+"/TimeoutSeconds", "TimeoutSeconds", 1, maxSeconds)
		}
	}
	if kind == machineProcessor || kind == machineIterator {
		if v := n.get("ProcessorConfig"); v != nil {
			p.processorConfig(sm, v, loc+"/ProcessorConfig")
		} else {
			sm.ProcessorMode = "INLINE"
		}
	}
	// The states of an EXPRESS child workflow (a distributed Map's item
	// processor) are checked as those of an Express state machine.
	if sm.ExecutionType == TypeExpress && !p.express {
		p.express = true
		defer func() { p.express = false }()
	}
	startOK := false
	if v := n.get("StartAt"); v != nil {
		sm.StartAt, startOK = p.str(v, loc+"/StartAt", "StartAt")
	}
	states := n.get("States")
	if states == nil {
		return sm
	}
	if states.kind != kindObject {
		p.schema(loc+"/States", "The field 'States' must be an object")
		return sm
	}
	seen := map[string]bool{}
	for i, name := range states.keys {
		sloc := loc + "/States/" + name
		if seen[name] {
			p.duplicateName(name, sloc)
			continue
		}
		seen[name] = true
		if other, ok := p.names[name]; ok && other != sloc {
			p.duplicateName(name, sloc)
		} else {
			p.names[name] = sloc
		}
		if utf8.RuneCountInString(name) > MaxStateNameLength {
			p.add(CodeInvalidStateName, sloc, "State name '%s' is longer than %d characters", name, MaxStateNameLength)
		} else if name == "" {
			p.add(CodeInvalidStateName, sloc, "State name must not be empty")
		}
		st := p.state(name, states.vals[i], sloc)
		if st != nil {
			sm.States[name] = st
			sm.Order = append(sm.Order, name)
		}
	}
	if startOK {
		if _, ok := seen[sm.StartAt]; !ok {
			p.add(CodeMissingTransitionTarget, loc+"/StartAt", "Missing 'Next' target: %s", sm.StartAt)
		}
	}
	p.graph(sm, loc, seen, startOK)
	return sm
}

func (p *parser) duplicateName(name, loc string) {
	if _, ok := p.dupSet[name]; ok {
		return
	}
	p.dupSet[name] = struct{}{}
	p.add(CodeDuplicateStateName, loc, "Duplicate State name: %s", name)
}

// processorConfig parses a Map's ItemProcessor.ProcessorConfig.
func (p *parser) processorConfig(sm *StateMachine, n *node, loc string) {
	sm.ProcessorMode = "INLINE"
	if n.kind != kindObject {
		p.schema(loc, "The field 'ProcessorConfig' must be an object")
		return
	}
	p.dupFields(n, loc)
	for _, k := range n.keys {
		if k != "Mode" && k != "ExecutionType" {
			p.schema(loc, "Field '%s' is not supported", k)
		}
	}
	if v := n.get("Mode"); v != nil {
		if s, ok := p.str(v, loc+"/Mode", "Mode"); ok {
			if s != "INLINE" && s != "DISTRIBUTED" {
				p.schema(loc+"/Mode", "The field 'Mode' must be INLINE or DISTRIBUTED")
			} else {
				sm.ProcessorMode = s
			}
		}
	}
	if v := n.get("ExecutionType"); v != nil {
		if s, ok := p.str(v, loc+"/ExecutionType", "ExecutionType"); ok {
			if s != TypeStandard && s != TypeExpress {
				p.schema(loc+"/ExecutionType", "The field 'ExecutionType' must be STANDARD or EXPRESS")
			} else {
				sm.ExecutionType = s
			}
		}
	}
	if sm.ProcessorMode == "DISTRIBUTED" && sm.ExecutionType == "" {
		p.schema(loc, "The field 'ExecutionType' is required but was missing")
	}
	if sm.ProcessorMode == "INLINE" && sm.ExecutionType != "" {
		p.schema(loc+"/ExecutionType", "Field 'ExecutionType' is not supported")
	}
}

// graph checks the transitions of one state machine: targets that do not
// exist, a machine without a terminal state, states that nothing reaches.
// Locations are built only for the problems found.
func (p *parser) graph(sm *StateMachine, loc string, names map[string]bool, startOK bool) {
	targeted := make(map[string]bool, len(sm.Order)+1)
	targeted[sm.StartAt] = true
	target := func(to string, where func() string) {
		if to == "" {
			return
		}
		targeted[to] = true
		if !names[to] {
			p.add(CodeMissingTransitionTarget, where(), "Missing 'Next' target: %s", to)
		}
	}
	terminal := false
	for _, name := range sm.Order {
		st := sm.States[name]
		sloc := func() string { return loc + "/States/" + name }
		target(st.Next, func() string { return sloc() + "/Next" })
		for i, c := range st.Choices {
			target(c.Next, func() string { return index(sloc()+"/Choices", i) + "/Next" })
		}
		target(st.Default, func() string { return sloc() + "/Default" })
		for i, c := range st.Catch {
			target(c.Next, func() string { return index(sloc()+"/Catch", i) + "/Next" })
		}
		_, known := stateFields[st.Type]
		// A state whose type is unknown was reported already; it may be
		// the terminal one.
		if st.End || st.Type == TypeSucceed || st.Type == TypeFail || !known {
			terminal = true
		}
	}
	if len(sm.Order) == 0 {
		return
	}
	if !terminal {
		p.add(CodeMissingEndState, "", "Workflow has no terminal state")
		return
	}
	if !startOK {
		return
	}
	// AWS calls a state reachable when StartAt or a transition of any
	// state names it (not by a walk from StartAt).
	for _, name := range sm.Order {
		if !targeted[name] {
			p.add(CodeMissingTransitionTarget, loc+"/States/"+name, "State \"%s\" is not reachable.", name)
		}
	}
}

// dupFields reports a field written twice in one object.
func (p *parser) dupFields(n *node, loc string) {
	if n == nil || n.kind != kindObject || len(n.keys) < 2 {
		return
	}
	if len(n.keys) < 16 {
		for i := 1; i < len(n.keys); i++ {
			for j := 0; j < i; j++ {
				if n.keys[i] == n.keys[j] {
					p.schema(at(loc), "Duplicate field '%s'", n.keys[i])
					break
				}
			}
		}
		return
	}
	keys := append([]string(nil), n.keys...)
	sort.Strings(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] && (i == 1 || keys[i-2] != keys[i]) {
			p.schema(at(loc), "Duplicate field '%s'", keys[i])
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

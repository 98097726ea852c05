package mocktask

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
)

// Config is a parsed mock configuration file. It is read-only after Parse
// and safe to share; each execution takes its own Case from it.
type Config struct {
	// StateMachines maps a state machine name to its test cases; each test
	// case maps a state name to the name of a mocked response.
	StateMachines map[string]map[string]map[string]string
	// Responses maps a mocked response name to its invocations, sorted by
	// their first invocation number.
	Responses map[string][]Range
}

// Range answers the invocations First..Last (inclusive, zero-based) of a
// state with Response.
type Range struct {
	First, Last int
	Response    Response
}

// Response is one mocked answer: exactly one of Return and Throw is set.
type Response struct {
	// Return is the Task's raw result, decoded with UseNumber (it may be nil
	// for a JSON null); it is meaningful only when Throw is nil.
	Return any
	// Throw, when not nil, makes the invocation fail with its Error and Cause.
	Throw *Throw
}

// Throw is a mocked failure.
type Throw struct {
	Error string
	Cause string
}

// Load reads and parses the mock configuration file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading mock configuration: %w", err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parsing mock configuration %s: %w", path, err)
	}
	return cfg, nil
}

// Parse parses a mock configuration. It reports every problem it finds,
// each naming its location, joined with errors.Join.
func Parse(data []byte) (*Config, error) {
	doc, err := value.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("/: want an object, got %s", value.TypeName(doc))
	}
	p := &parser{cfg: &Config{
		StateMachines: map[string]map[string]map[string]string{},
		Responses:     map[string][]Range{},
	}}
	for _, k := range value.SortedKeys(root) {
		switch k {
		case "StateMachines":
			p.stateMachines(root[k])
		case "MockedResponses":
			p.responses(root[k])
		default:
			p.errorf("/%s: unknown field (want StateMachines or MockedResponses)", esc(k))
		}
	}
	p.references()
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return p.cfg, nil
}

// TestCase returns a fresh Case for one execution of stateMachine under
// testCase, with its own invocation counters.
func (c *Config) TestCase(stateMachine, testCase string) (*Case, error) {
	cases, ok := c.StateMachines[stateMachine]
	if !ok {
		return nil, fmt.Errorf("state machine %q is not in the mock configuration (it has %s)",
			stateMachine, names(c.StateMachines))
	}
	states, ok := cases[testCase]
	if !ok {
		return nil, fmt.Errorf("test case %q is not in the mock configuration of state machine %q (it has %s)",
			testCase, stateMachine, names(cases))
	}
	mocks := make(map[string]*mocked, len(states))
	for state, resp := range states {
		mocks[state] = &mocked{response: resp, ranges: c.Responses[resp]}
	}
	return &Case{stateMachine: stateMachine, testCase: testCase, mocks: mocks}, nil
}

// Case answers the mocked states of one execution. It counts each state's
// invocations, so it must not be shared between executions; Next is safe
// for concurrent use (Parallel branches and Map iterations).
type Case struct {
	stateMachine, testCase string

	mu    sync.Mutex
	mocks map[string]*mocked
}

type mocked struct {
	response string
	ranges   []Range
	calls    int
}

// Mocked reports whether the test case mocks stateName.
func (c *Case) Mocked(stateName string) bool {
	_, ok := c.mocks[stateName]
	return ok
}

// Next returns the response to the next invocation of stateName: the k-th
// call (from 0) gets the response whose range contains k. A state the test
// case does not mock, or an invocation past the last range, is an error.
func (c *Case) Next(stateName string) (Response, error) {
	m, ok := c.mocks[stateName]
	if !ok {
		return Response{}, fmt.Errorf("state %q is not mocked in test case %q of state machine %q",
			stateName, c.testCase, c.stateMachine)
	}
	c.mu.Lock()
	k := m.calls
	m.calls++
	c.mu.Unlock()
	i := sort.Search(len(m.ranges), func(i int) bool { return m.ranges[i].Last >= k })
	if i == len(m.ranges) || m.ranges[i].First > k {
		return Response{}, fmt.Errorf("state %q invoked %d times, but mocked response %q of test case %q answers only %d",
			stateName, k+1, m.response, c.testCase, count(m.ranges))
	}
	return m.ranges[i].Response, nil
}

func count(rs []Range) int {
	if len(rs) == 0 {
		return 0
	}
	return rs[len(rs)-1].Last + 1
}

type parser struct {
	cfg  *Config
	errs []error
}

func (p *parser) errorf(format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf(format, args...))
}

func (p *parser) object(v any, at string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		p.errorf("%s: want an object, got %s", at, value.TypeName(v))
	}
	return m, ok
}

func (p *parser) stateMachines(v any) {
	sms, ok := p.object(v, "/StateMachines")
	if !ok {
		return
	}
	for _, name := range value.SortedKeys(sms) {
		at := "/StateMachines/" + esc(name)
		sm, ok := p.object(sms[name], at)
		if !ok {
			continue
		}
		cases := map[string]map[string]string{}
		p.cfg.StateMachines[name] = cases
		for _, k := range value.SortedKeys(sm) {
			if k != "TestCases" {
				p.errorf("%s/%s: unknown field (want TestCases)", at, esc(k))
				continue
			}
			tcs, ok := p.object(sm[k], at+"/TestCases")
			if !ok {
				continue
			}
			for _, tc := range value.SortedKeys(tcs) {
				tcAt := at + "/TestCases/" + esc(tc)
				states, ok := p.object(tcs[tc], tcAt)
				if !ok {
					continue
				}
				m := make(map[string]string, len(states))
				for _, state := range value.SortedKeys(states) {
					s, ok := states[state].(string)
					if !ok {
						p.errorf("%s/%s: want the name of a mocked response (a string), got %s",
							tcAt, esc(state), value.TypeName(states[state]))
						continue
					}
					m[state] = s
				}
				cases[tc] = m
			}
		}
	}
}

func (p *parser) responses(v any) {
	rs, ok := p.object(v, "/MockedResponses")
	if !ok {
		return
	}
	for _, name := range value.SortedKeys(rs) {
		at := "/MockedResponses/" + esc(name)
		byKey, ok := p.object(rs[name], at)
		if !ok {
			continue
		}
		var ranges []Range
		for _, key := range value.SortedKeys(byKey) {
			keyAt := at + "/" + esc(key)
			first, last, err := parseKey(key)
			if err != nil {
				p.errorf("%s: %v", keyAt, err)
				continue
			}
			resp, ok := p.response(byKey[key], keyAt)
			if !ok {
				continue
			}
			ranges = append(ranges, Range{First: first, Last: last, Response: resp})
		}
		sort.Slice(ranges, func(i, j int) bool { return ranges[i].First < ranges[j].First })
		next := 0
		for _, r := range ranges {
			switch {
			case r.First > next:
				p.errorf("%s: no response for invocation %d (keys must cover 0..n-1 without gaps)", at, next)
			case r.First < next:
				p.errorf("%s: invocation %d has more than one response (overlapping keys)", at, r.First)
			}
			next = max(next, r.Last+1)
		}
		if len(byKey) == 0 {
			p.errorf("%s: no responses (want keys such as \"0\" or \"1-3\")", at)
		}
		p.cfg.Responses[name] = ranges
	}
}

func (p *parser) response(v any, at string) (Response, bool) {
	m, ok := p.object(v, at)
	if !ok {
		return Response{}, false
	}
	ret, hasReturn := m["Return"]
	thr, hasThrow := m["Throw"]
	for _, k := range value.SortedKeys(m) {
		if k != "Return" && k != "Throw" {
			p.errorf("%s/%s: unknown field (want Return or Throw)", at, esc(k))
		}
	}
	switch {
	case hasReturn && hasThrow:
		p.errorf("%s: has both Return and Throw (want exactly one)", at)
		return Response{}, false
	case hasReturn:
		return Response{Return: ret}, true
	case hasThrow:
		t, ok := p.object(thr, at+"/Throw")
		if !ok {
			return Response{}, false
		}
		out := &Throw{}
		for _, k := range value.SortedKeys(t) {
			s, isString := t[k].(string)
			switch {
			case k != "Error" && k != "Cause":
				p.errorf("%s/Throw/%s: unknown field (want Error or Cause)", at, esc(k))
			case !isString:
				p.errorf("%s/Throw/%s: want a string, got %s", at, k, value.TypeName(t[k]))
				ok = false
			case k == "Error":
				out.Error = s
			default:
				out.Cause = s
			}
		}
		if _, has := t["Error"]; !has {
			p.errorf("%s/Throw: missing Error", at)
			ok = false
		}
		return Response{Throw: out}, ok
	}
	p.errorf("%s: want Return or Throw", at)
	return Response{}, false
}

// references checks that every test case names a mocked response that exists.
func (p *parser) references() {
	for _, sm := range slices.Sorted(maps.Keys(p.cfg.StateMachines)) {
		cases := p.cfg.StateMachines[sm]
		for _, tc := range slices.Sorted(maps.Keys(cases)) {
			for _, state := range slices.Sorted(maps.Keys(cases[tc])) {
				resp := cases[tc][state]
				if _, ok := p.cfg.Responses[resp]; !ok {
					p.errorf("/StateMachines/%s/TestCases/%s/%s: mocked response %q is not in MockedResponses",
						esc(sm), esc(tc), esc(state), resp)
				}
			}
		}
	}
}

// maxInvocation bounds keys so that a typo such as "0-99999999999" is
// reported instead of silently accepted.
const maxInvocation = 1_000_000

// parseKey parses "k" or "a-b" (decimal, no sign, a <= b).
func parseKey(key string) (first, last int, err error) {
	a, b, isRange := strings.Cut(key, "-")
	first, err = parseInvocation(a)
	if err != nil {
		return 0, 0, fmt.Errorf("invalid key %q: %w", key, err)
	}
	if !isRange {
		return first, first, nil
	}
	last, err = parseInvocation(b)
	if err != nil {
		return 0, 0, fmt.Errorf("invalid key %q: %w", key, err)
	}
	if last < first {
		return 0, 0, fmt.Errorf("invalid key %q: range ends before it starts", key)
	}
	return first, last, nil
}

func parseInvocation(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New(`want an invocation number such as "0" or a range such as "1-3"`)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > maxInvocation {
		return 0, fmt.Errorf("invocation number above %d", maxInvocation)
	}
	return n, nil
}

// esc escapes a key for a JSON Pointer (RFC 6901).
func esc(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// names lists the keys of m for an error message: "a", "b".
func names[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	quoted := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		quoted = append(quoted, strconv.Quote(k))
	}
	return strings.Join(quoted, ", ")
}

// MarshalJSON writes the response in the file's form.
func (r Response) MarshalJSON() ([]byte, error) {
	if r.Throw != nil {
		return json.Marshal(map[string]any{"Throw": map[string]string{"Error": r.Throw.Error, "Cause": r.Throw.Cause}})
	}
	return value.Encode(map[string]any{"Return": r.Return})
}

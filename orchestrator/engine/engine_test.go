package engine_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/clock"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/queue"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/memqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// workflows exercise every kind of thread and timer.
var workflows = map[string]struct {
	def   string
	input string
}{
	"pass-chain": {`{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"x":1},"Next":"B"},"B":{"Type":"Pass","Parameters":{"y.$":"$.x"},"Next":"C"},"C":{"Type":"Succeed"}}}`, `{}`},
	"choice-loop": {`{"StartAt":"Init","States":{"Init":{"Type":"Pass","Result":{"i":0},"Next":"Inc"},
		"Inc":{"Type":"Pass","Parameters":{"i.$":"States.MathAdd($.i, 1)"},"Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.i","NumericLessThan":5,"Next":"Inc"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`, `{}`},
	"wait-year": {`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":31536000,"Next":"P"},"P":{"Type":"Pass","End":true}}}`, `{"a":1}`},
	"retry-catch": {`{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
		     "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":2,"MaxAttempts":2,"BackoffRate":2}],
		     "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Caught"}],"ResultSelector":{"r.$":"$.Payload"},"End":true},
		"Caught":{"Type":"Pass","End":true}}}`, `{"fail":2}`},
	"catch-for-good": {`{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
		     "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":1}],
		     "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Caught"}],"End":true},
		"Caught":{"Type":"Pass","End":true}}}`, `{"fail":9}`},
	"parallel": {`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":5,"Next":"B2"},"B2":{"Type":"Pass","Result":2,"End":true}}},
		{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"fail":1}},"Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1}],"OutputPath":"$.Payload","End":true}}}
		],"End":true}}}`, `{}`},
	"map-then-parallel": {`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"ResultPath":"$.m","Next":"P"},
		"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}],"ResultPath":"$.p","Next":"M2"},
		"M2":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"Y","States":{"Y":{"Type":"Pass","End":true}}},"End":true}}}`,
		`{"items":[1,2,3]}`},
	"parallel-retried": {`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
		{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"branch"}}}
		],"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":1,"MaxAttempts":2}],
		"Catch":[{"ErrorEquals":["Boom"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`, `{}`},
	"parallel-fails": {`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
		{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"branch"}}}
		],"Catch":[{"ErrorEquals":["Boom"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`, `{}`},
	// A branch fails while its siblings wait, sit in a retry backoff and
	// run a Map window: they record their aborts before the Catch.
	"parallel-aborts": {`{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"Slow","States":{"Slow":{"Type":"Wait","Seconds":3600,"Next":"After"},"After":{"Type":"Pass","End":true}}},
		{"StartAt":"Soon","States":{"Soon":{"Type":"Wait","Seconds":10,"Next":"F"},"F":{"Type":"Fail","Error":"BranchError","Cause":"branch 2"}}},
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"fail":9}},
		 "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":3600,"MaxAttempts":5}],"End":true}}},
		{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,
		 "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}},"End":true}}}
		],"Catch":[{"ErrorEquals":["BranchError"],"Next":"Caught"}],"End":true},"Caught":{"Type":"Pass","End":true}}}`,
		`{"items":[1,2,3,4,5]}`},
	// An iteration fails while the others wait, one in a nested Parallel:
	// the execution fails after their aborts.
	"map-aborts": {`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"s.$":"$$.Map.Item.Value"},
		"ItemProcessor":{"StartAt":"Pause","States":{"Pause":{"Type":"Wait","SecondsPath":"$.s","Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.s","NumericEquals":10,"Next":"Bad"}],"Default":"Inner"},
		"Bad":{"Type":"Fail","Error":"ItemError","Cause":"item 10"},
		"Inner":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Long","States":{"Long":{"Type":"Wait","Seconds":3600,"End":true}}},
		{"StartAt":"Quick","States":{"Quick":{"Type":"Pass","End":true}}}]}}},"End":true}}}`, `{"items":[1,10,3600]}`},
	"map-window": {`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":3,
		"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
		"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"},"Y":{"Type":"Pass","End":true}}},"End":true}}}`,
		`{"items":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50]}`},
	// A wide Map without MaxConcurrency: its iterations end at once, and
	// their ends are handled in groups (join.go) when deliveries are
	// concurrent; more than a launch batch (40) of iterations.
	"map-wide": {`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items",
		"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
		"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}},"End":true}}}`,
		`{"items":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120]}`},
	"map-tolerated": {`{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,
		"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"OK"},
		"F":{"Type":"Fail","Error":"Bad","Cause":"two"},"OK":{"Type":"Pass","End":true}}},"End":true}}}`, `[1,2,3]`},
	"nested": {`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"IM","States":{"IM":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}},"End":true}}},
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"End":true}}}],"End":true}}},"End":true}}}`,
		`[{"xs":[1,2]},{"xs":[3]},{"xs":[]}]`},
	"callback": {`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"Next":"D"},"D":{"Type":"Pass","End":true}}}`, `{"n":1}`},
	// A heartbeat timeout and an answer end the same way (ResultPath
	// null), since which comes first depends on the injected faults;
	// heartbeat_test.go checks each on its own.
	"heartbeat": {`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"HeartbeatSeconds":5,"TimeoutSeconds":3600,"ResultPath":null,
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},
		"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"ResultPath":null,"Next":"D"}],"Next":"D"},"D":{"Type":"Pass","End":true}}}`, `{"n":2}`},
	"child-sync2": {`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sync-child","Input":{"v.$":"$.v"}},
		"ResultSelector":{"out.$":"$.Output","status.$":"$.Status"},"End":true}}}`, `{"v":21}`},
	"child-sync-fails": {`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:failing-child","Input":{}},
		"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"F"}],"End":true},
		"F":{"Type":"Pass","Parameters":{"error.$":"$.err.Error"},"End":true}}}`, `{}`},
	"activity": {`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work",
		"ResultPath":"$.r","Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{"job":7}`},
}

// childMachines are the state machines that workflows start with
// states:startExecution.
var childMachines = map[string]string{
	"sync-child": `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.v, $.v)"},"Next":"W"},
		"W":{"Type":"Wait","Seconds":2,"End":true}}}`,
	"failing-child": `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"ChildBroke","Cause":"on purpose"}}}`,
	"slow-child":    `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":120,"Next":"P"},"P":{"Type":"Pass","Result":"slow","End":true}}}`,
}

// activities are the activities that workflows use.
var activities = []string{"arn:aws:states:us-east-1:123456789012:activity:work"}

// activityAnswer is what the harness's activity worker answers.
func activityAnswer(input any) any { return map[string]any{"done": input} }

// fakeTasks answers Task states deterministically: a payload {"fail": n}
// fails with Transient on the first n attempts; waitForTaskToken tasks
// park their token for the harness to answer.
type fakeTasks struct {
	mu     sync.Mutex
	tokens map[string]bool
}

func (f *fakeTasks) Invoke(_ context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if req.TaskToken != "" {
		f.mu.Lock()
		f.tokens[req.TaskToken] = true
		f.mu.Unlock()
		return nil, nil, nil
	}
	in, _ := req.Input.(map[string]any)
	payload, _ := in["Payload"].(map[string]any)
	n, _ := value.ToInt(payload["fail"])
	if int64(req.Attempt) < n {
		return nil, &asl.Error{Name: "Transient", Cause: fmt.Sprintf("attempt %d", req.Attempt)}, nil
	}
	return map[string]any{"Payload": payload, "StatusCode": value.Int(200)}, nil, nil
}

func (f *fakeTasks) pending() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for t := range f.tokens {
		out = append(out, t)
	}
	sort.Strings(out)
	clear(f.tokens)
	return out
}

type harness struct {
	t     *testing.T
	st    store.Store
	q     *memqueue.Queue
	clk   *clock.Stub
	eng   *engine.Engine
	tasks *fakeTasks
	rng   *rand.Rand
	// fault knobs (probabilities)
	dup, crash, reorder float64
	crashes, dups       int
	// concurrent: the deliveries of a received batch are handled at the
	// same time, as serve's workers and the Lambda worker's batch do
	// (child ends of one parent then join a group: join.go).
	concurrent bool
	mu         sync.Mutex // guards rng and crashes while concurrent
	running    string     // an execution still running, for the failure message
}

func newHarness(t *testing.T, seed uint64, dup, crash, reorder float64) *harness {
	st, err := boltstore.Open("", &boltstore.Options{NoSync: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return newHarnessOn(t, st, seed, dup, crash, reorder)
}

func newHarnessOn(t *testing.T, st store.Store, seed uint64, dup, crash, reorder float64) *harness {
	var err error
	clk := clock.NewStub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := &harness{t: t, st: st, clk: clk, q: memqueue.New(&memqueue.Config{Clock: clk, VisibilityTimeout: time.Second}),
		tasks: &fakeTasks{tokens: map[string]bool{}}, rng: rand.New(rand.NewPCG(seed, seed+1)), dup: dup, crash: crash, reorder: reorder}
	h.eng, err = engine.New(&engine.Config{Store: st, Queue: h.q, Tasks: h.tasks, NowFunc: clk.Now, Clock: clk, ActivityPollTimeout: -1,
		FaultFunc: func(point string) error {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.crash > 0 && h.rng.Float64() < h.crash {
				h.crashes++
				return errors.New("injected crash at " + point)
			}
			return nil
		}})
	require.NoError(t, err)
	return h
}

// pump delivers messages until every execution ends, advancing the clock
// when only delayed messages remain and answering callback tokens.
func (h *harness) pump(ctx context.Context, done func() bool) {
	for idle := 0; idle < 200; {
		ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
		require.NoError(h.t, err)
		if len(ds) == 0 {
			if done() {
				return
			}
			if h.work(ctx) {
				continue
			}
			if toks := h.tasks.pending(); len(toks) > 0 {
				for _, tk := range toks {
					// A crash after the task call but before the commit
					// leaves a token that was never stored: the retry
					// issued another one. A heartbeat timeout may have
					// closed the task.
					err := h.eng.SendTaskHeartbeat(ctx, tk)
					if err == nil {
						err = h.eng.SendTaskSuccess(ctx, tk, `{"answered":true}`)
					}
					if !errors.Is(err, engine.ErrTaskDoesNotExist) && !errors.Is(err, engine.ErrTaskTimedOut) {
						require.NoError(h.t, err)
					}
				}
				continue
			}
			idle++
			h.clk.Advance(time.Duration(1+idle*idle) * time.Second)
			if idle > 50 {
				h.clk.Advance(400 * 24 * time.Hour)
			}
			continue
		}
		idle = 0
		if h.reorder > 0 && h.rng.Float64() < h.reorder {
			h.rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
		}
		for _, d := range ds {
			if h.dup > 0 && h.rng.Float64() < h.dup {
				h.dups++
				require.NoError(h.t, h.q.MessageSend(ctx, &queue.MessageSendParams{Messages: []queue.Message{{Body: d.Body}}}))
			}
		}
		handle := func(d *queue.Delivery) error {
			if err := h.eng.HandleMessage(ctx, d.Body, d.ReceiveCount); err != nil {
				if !strings.Contains(err.Error(), "injected crash") {
					return err
				}
				return nil // not acknowledged: comes back after the visibility timeout
			}
			return h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}})
		}
		if !h.concurrent {
			for _, d := range ds {
				require.NoError(h.t, handle(d))
			}
			continue
		}
		errs := make([]error, len(ds))
		var wg sync.WaitGroup
		for i, d := range ds {
			wg.Go(func() { errs[i] = handle(d) })
		}
		wg.Wait()
		require.NoError(h.t, errors.Join(errs...))
	}
	h.t.Fatalf("executions did not finish, for instance %s", h.running)
}

// work is the harness's activity worker: it takes every waiting activity
// task and answers it. It reports whether it found any.
func (h *harness) work(ctx context.Context) bool {
	found := false
	for _, arn := range activities {
		for {
			token, input, err := h.eng.GetActivityTask(ctx, arn, "harness")
			if errors.Is(err, engine.ErrActivityDoesNotExist) {
				break // this test did not create it
			}
			require.NoError(h.t, err)
			if token == "" {
				break
			}
			found = true
			in, err := value.DecodeString(input)
			require.NoError(h.t, err)
			out, err := value.Encode(activityAnswer(in))
			require.NoError(h.t, err)
			if err := h.eng.SendTaskSuccess(ctx, token, string(out)); !errors.Is(err, engine.ErrTaskTimedOut) {
				require.NoError(h.t, err)
			}
		}
	}
	return found
}

// reference runs a workflow with the in-process runner.
func reference(t *testing.T, def, input string) *interp.Result {
	sm, err := asl.Parse([]byte(def))
	require.NoError(t, err)
	in, err := value.DecodeString(input)
	require.NoError(t, err)
	tasks := &fakeTasks{tokens: map[string]bool{}}
	res, err := interp.Run(context.Background(), interp.NewMachine(sm), &interp.Execution{ARN: "arn", Input: in, StartTime: time.Unix(0, 0)},
		interp.RunOptions{Tasks: callbackAnswerer{tasks}})
	require.NoError(t, err)
	return res
}

// callbackAnswerer answers waitForTaskToken tasks at once, as the harness does.
type callbackAnswerer struct{ f *fakeTasks }

func (c callbackAnswerer) Invoke(ctx context.Context, req *interp.TaskRequest) (any, *asl.Error, error) {
	if strings.Contains(req.Resource, ":activity:") {
		return activityAnswer(req.Input), nil, nil
	}
	if strings.HasPrefix(req.Resource, "arn:aws:states:::states:startExecution.sync") {
		// The child runs in-process; the parent sees its status and output.
		params := req.Input.(map[string]any)
		arn := params["StateMachineArn"].(string)
		def := childMachines[arn[strings.LastIndex(arn, ":")+1:]]
		in, _ := value.Encode(params["Input"])
		sm, err := asl.Parse([]byte(def))
		if err != nil {
			return nil, nil, err
		}
		input, _ := value.DecodeString(string(in))
		res, err := interp.Run(ctx, interp.NewMachine(sm), &interp.Execution{ARN: "child", Input: input, StartTime: time.Unix(0, 0)}, interp.RunOptions{})
		if err != nil {
			return nil, nil, err
		}
		if res.Status != "SUCCEEDED" {
			return nil, &asl.Error{Name: asl.StatesTaskFailed, Cause: "child " + res.Status}, nil
		}
		return map[string]any{"Output": res.Output, "Status": res.Status}, nil, nil
	}
	if req.TaskToken != "" {
		return map[string]any{"answered": true}, nil, nil
	}
	return c.f.Invoke(ctx, req)
}

func createMachine(t *testing.T, st store.Store, name, def string) string {
	arn := "arn:aws:states:us-east-1:123456789012:stateMachine:" + name
	_, err := st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: arn, Name: name, Definition: def, Type: "STANDARD", RoleARN: "arn:aws:iam::123456789012:role/r"})
	require.NoError(t, err)
	return arn
}

// createAux creates the child state machines and the activities that the
// workflows use.
func createAux(t *testing.T, st store.Store) {
	for name, def := range childMachines {
		createMachine(t, st, name, def)
	}
	for _, arn := range activities {
		_, err := st.ActivityCreate(context.Background(), &store.ActivityCreateParams{ARN: arn, Name: arn[strings.LastIndex(arn, ":")+1:]})
		require.NoError(t, err)
	}
}

func runAll(t *testing.T, h *harness, perWorkflow int) map[string][]string {
	ctx := context.Background()
	createAux(t, h.st)
	execs := map[string][]string{}
	for name, w := range workflows {
		arn := createMachine(t, h.st, name, w.def)
		for i := 0; i < perWorkflow; i++ {
			rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: fmt.Sprintf("e%d", i), Input: w.input})
			require.NoError(t, err)
			execs[name] = append(execs[name], rec.ARN)
		}
	}
	h.pump(ctx, func() bool {
		for _, arns := range execs {
			for _, a := range arns {
				rec, err := h.st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: a})
				require.NoError(t, err)
				if rec.Status == store.StatusRunning {
					h.running = a
					return false
				}
			}
		}
		return true
	})
	return execs
}

func checkResults(t *testing.T, h *harness, execs map[string][]string) (mismatches int) {
	ctx := context.Background()
	for name, arns := range execs {
		w := workflows[name]
		want := reference(t, w.def, w.input)
		for _, a := range arns {
			rec, err := h.st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: a})
			require.NoError(t, err)
			ok := rec.Status == want.Status
			if ok && want.Status == "SUCCEEDED" {
				got, err := value.DecodeString(rec.Output)
				require.NoError(t, err)
				ok = value.Equal(got, want.Output)
			}
			if ok && want.Status == "FAILED" {
				ok = rec.Error == want.Error.Name && rec.Cause == want.Error.Cause
			}
			if !ok {
				mismatches++
				t.Errorf("%s %s: got %s %s %s %s, want %s %v %v", name, a, rec.Status, rec.Output, rec.Error, rec.Cause, want.Status, want.Output, want.Error)
			}
			hist, err := h.eng.History(ctx, a)
			require.NoError(t, err)
			seen := map[string]int{}
			for i, ev := range hist {
				require.Equal(t, int64(i+1), ev.ID)
				seen[ev.Type]++
			}
			require.Equal(t, 1, seen["ExecutionStarted"], "%s: history %v", name, seen)
			require.Equal(t, 1, seen["ExecutionSucceeded"]+seen["ExecutionFailed"], "%s: history %v", name, seen)
		}
	}
	return mismatches
}

func TestEngineMatchesInProcessRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 1, 0, 0, 0)
	execs := runAll(t, h, 2)
	require.Zero(t, checkResults(t, h, execs))
}

// TestFaultInjection runs many executions while the harness delivers
// messages twice, reorders them and kills the worker at every point
// between load, task call, commit, send and acknowledge.
//
// Every execution must end as interp.Run ends it, with a history numbered
// 1..n whose event types and counts are those of interp.Run's history
// (except where they depend on timing: see racyEventCounts).
// -stepwise.fault-n sets the executions of each workflow (20; 3 with
// -short): BENCHMARKS.md reports a run of thousands.
func TestFaultInjection(t *testing.T) {
	t.Parallel()
	runFaultInjection(t, 42, false)
}

// TestFaultInjectionConcurrent is TestFaultInjection with the deliveries
// of each batch handled at the same time: the ends of a fan-out's children
// are then handled in groups (join.go), with crashes inside groups.
func TestFaultInjectionConcurrent(t *testing.T) {
	t.Parallel()
	runFaultInjection(t, 7, true)
}

func runFaultInjection(t *testing.T, seed uint64, concurrent bool) {
	n := *faultN
	if testing.Short() {
		n = min(n, 3)
	}
	h := newHarness(t, seed, 0.3, 0.15, 0.5)
	h.concurrent = concurrent
	t0 := time.Now()
	execs := runAll(t, h, n)
	elapsed := time.Since(t0)
	mism := checkResults(t, h, execs)
	mism += checkEventCounts(t, h.eng, execs)
	total := 0
	for _, a := range execs {
		total += len(a)
	}
	t.Logf("fault injection (concurrent deliveries: %v): workflows=%d executions=%d injected_crashes=%d duplicate_deliveries=%d mismatches=%d elapsed=%.1fs",
		concurrent, len(execs), total, h.crashes, h.dups, mism, elapsed.Seconds())
	require.Zero(t, mism)
}

var faultN = flag.Int("stepwise.fault-n", 20, "TestFaultInjection: executions of each workflow")

// racyEventCounts are the workflows whose history's event counts depend
// on timing, on AWS as here: which siblings had entered their first state,
// or were still running and so get a ...StateAborted or
// MapIterationAborted event, when one branch failed; whether a heartbeat
// or the callback comes first. Their outputs are still compared, and
// their histories numbered.
var racyEventCounts = map[string]bool{"parallel-aborts": true, "map-aborts": true,
	"parallel-fails": true, "parallel-retried": true, "heartbeat": true}

// durableOnlyEvents are events the durable engine records and the
// reference run cannot: its answerer answers an activity task at once
// (no worker takes it: no ActivityStarted) and fails a .sync child
// execution's task at its start (no TaskSubmitted).
var durableOnlyEvents = map[string]map[string]int{
	"activity":         {"ActivityStarted": 1},
	"child-sync-fails": {"TaskSubmitted": 1},
}

// checkEventCounts compares each execution's history event types and
// counts with interp.Run's for the same definition and input: an event
// missing or recorded twice is a mismatch.
func checkEventCounts(t *testing.T, eng *engine.Engine, execs map[string][]string) (mismatches int) {
	ctx := context.Background()
	for name, arns := range execs {
		if racyEventCounts[name] {
			continue
		}
		want := referenceEventTypes(t, workflows[name].def, workflows[name].input)
		for typ, n := range durableOnlyEvents[name] {
			want[typ] += n
		}
		for _, a := range arns {
			hist, err := eng.History(ctx, a)
			require.NoError(t, err)
			got := map[string]int{}
			for _, ev := range hist {
				got[ev.Type]++
			}
			if !maps.Equal(got, want) {
				mismatches++
				t.Errorf("%s %s: history event types %v, want %v", name, a, got, want)
			}
		}
	}
	return mismatches
}

func TestStopAndDuplicateStart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 7, 0, 0, 0)
	ctx := context.Background()
	arn := createMachine(t, h.st, "w", workflows["wait-year"].def)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "x", Input: `{}`})
	require.NoError(t, err)
	again, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "x", Input: `{}`})
	require.NoError(t, err)
	require.Equal(t, rec.ARN, again.ARN)
	_, err = h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "x", Input: `{"other":1}`})
	require.ErrorIs(t, err, store.ErrAlreadyExists)
	// Before its first step: the root's first checkpoint is not stored,
	// and the history has its start already.
	require.Equal(t, []string{"ExecutionStarted"}, h.eventTypes(ctx, rec.ARN))
	stopped, err := h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: rec.ARN, Error: "E", Cause: "C"})
	require.NoError(t, err)
	require.Equal(t, store.StatusAborted, stopped.Status)
	_, err = h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: rec.ARN})
	require.ErrorIs(t, err, engine.ErrNotRunning)
	h.drain(ctx) // the first step's message, which the stop fenced out
	require.Equal(t, []string{"ExecutionStarted", "ExecutionAborted"}, h.eventTypes(ctx, rec.ARN))
	require.Equal(t, store.StatusAborted, h.execution(ctx, rec.ARN).Status)
	require.ErrorIs(t, h.eng.SendTaskSuccess(ctx, "nope", `{}`), engine.ErrTaskDoesNotExist)
}

// TestStopEndsLoopingBranch: a branch that loops through Pass and Choice
// states forever stops within 16 steps of its execution's stop, though
// such steps do not read the execution's status each time.
func TestStopEndsLoopingBranch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 9, 0, 0, 0)
	arn := h.startOne(ctx, "loop", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":false,"Next":"A"}],"Default":"D"},"D":{"Type":"Succeed"}}},
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100000,"End":true}}}]}}}`, `{}`)
	// Another worker handles the messages: what it knows of the
	// execution is not dropped by the stop.
	other, err := engine.New(&engine.Config{Store: h.st, Queue: h.q, NowFunc: h.clk.Now, Clock: h.clk})
	require.NoError(t, err)
	handle := func(n int) int {
		handled := 0
		for handled < n {
			ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 1})
			require.NoError(t, err)
			if len(ds) == 0 {
				break
			}
			require.NoError(t, other.HandleMessage(ctx, ds[0].Body, ds[0].ReceiveCount))
			require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{ds[0].ReceiptHandle}}))
			handled++
		}
		return handled
	}
	require.Equal(t, 40, handle(40), "the loop runs")
	loop := func() int64 {
		th, err := h.st.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: "root/1.0"})
		require.NoError(t, err)
		return th.Seq
	}
	before := loop()
	_, err = h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: arn})
	require.NoError(t, err)
	h.clk.Advance(2 * time.Second) // past the other worker's StatusTTL
	require.Less(t, handle(1000), 1000, "the loop goes on after the stop")
	require.LessOrEqual(t, loop()-before, int64(16), "steps of the loop after the stop")
	hist := h.eventTypes(ctx, arn)
	require.Equal(t, "ExecutionAborted", hist[len(hist)-1])
}

// drain handles every message that is visible now, without moving the
// clock or answering tasks.
func (h *harness) drain(ctx context.Context) {
	for {
		ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 10})
		require.NoError(h.t, err)
		if len(ds) == 0 {
			return
		}
		for _, d := range ds {
			require.NoError(h.t, h.eng.HandleMessage(ctx, d.Body, d.ReceiveCount))
			require.NoError(h.t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{d.ReceiptHandle}}))
		}
	}
}

// advance moves the clock and handles what falls due.
func (h *harness) advance(ctx context.Context, d time.Duration) {
	h.clk.Advance(d)
	h.drain(ctx)
}

// startOne creates a state machine and starts one execution of it.
func (h *harness) startOne(ctx context.Context, name, def, input string) string {
	arn := createMachine(h.t, h.st, name, def)
	rec, err := h.eng.Start(ctx, &engine.StartParams{StateMachineARN: arn, Name: "e", Input: input})
	require.NoError(h.t, err)
	return rec.ARN
}

// execution reads an execution record.
func (h *harness) execution(ctx context.Context, arn string) *store.Execution {
	rec, err := h.st.ExecutionGet(ctx, &store.ExecutionGetParams{ARN: arn})
	require.NoError(h.t, err)
	return rec
}

// eventTypes returns the types of an execution's history events.
func (h *harness) eventTypes(ctx context.Context, arn string) []string {
	hist, err := h.eng.History(ctx, arn)
	require.NoError(h.t, err)
	var out []string
	for _, ev := range hist {
		out = append(out, ev.Type)
	}
	return out
}

// event returns the first history event of type typ.
func (h *harness) event(ctx context.Context, arn, typ string) *interp.Event {
	hist, err := h.eng.History(ctx, arn)
	require.NoError(h.t, err)
	for _, ev := range hist {
		if ev.Type == typ {
			return ev
		}
	}
	h.t.Fatalf("no %s event in the history of %s", typ, arn)
	return nil
}

// TestEndRecordedAfterCrash: the root's last step and the execution's
// record are two writes; a worker that dies between them leaves the
// record RUNNING, and whoever finds the root ended next records the end:
// the message's redelivery, Stop (which then finds nothing to stop), the
// execution's timeout, ResumeAll.
func TestEndRecordedAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, by := range []string{"redelivery", "stop", "timeout", "resume"} {
		t.Run(by, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, 10, 0, 0, 0)
			crashing := h.crashingAt("committed")
			arn := h.startOne(ctx, "one", `{"StartAt":"P","TimeoutSeconds":60,"States":{"P":{"Type":"Pass","Result":{"r":1},"End":true}}}`, `{}`)
			ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 1})
			require.NoError(t, err)
			require.Len(t, ds, 1)
			require.ErrorContains(t, crashing.HandleMessage(ctx, ds[0].Body, ds[0].ReceiveCount), "injected crash")
			require.Equal(t, store.StatusRunning, h.execution(ctx, arn).Status, "the worker died before the record")
			require.Equal(t, []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}, h.eventTypes(ctx, arn))
			switch by {
			case "redelivery":
				require.NoError(t, h.eng.HandleMessage(ctx, ds[0].Body, 2))
			case "stop":
				_, err := h.eng.Stop(ctx, &engine.StopParams{ExecutionARN: arn})
				require.ErrorIs(t, err, engine.ErrNotRunning)
			case "timeout":
				require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{ds[0].ReceiptHandle}}))
				h.advance(ctx, time.Minute) // the execution's timeout message
			case "resume":
				_, err := h.eng.ResumeAll(ctx)
				require.NoError(t, err)
			}
			rec := h.execution(ctx, arn)
			require.Equal(t, store.StatusSucceeded, rec.Status)
			require.JSONEq(t, `{"r":1}`, rec.Output)
			require.False(t, rec.StoppedAt.IsZero())
			require.Equal(t, []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}, h.eventTypes(ctx, arn))
		})
	}
}

// readsStore records the ExecutionGet calls of the engine on a real store.
type readsStore struct {
	store.Store
	mu   sync.Mutex
	gets []store.ExecutionGetParams
	hide bool // eventually consistent reads miss
}

func (s *readsStore) ExecutionGet(ctx context.Context, p *store.ExecutionGetParams) (*store.Execution, error) {
	s.mu.Lock()
	s.gets = append(s.gets, *p)
	hide := s.hide && p.Eventual
	s.mu.Unlock()
	if hide {
		return nil, store.ErrNotFound
	}
	return s.Store.ExecutionGet(ctx, p)
}

// TestFirstReadEventual: a worker reads an execution's record
// consistently for its first message, and eventually consistently for
// any later one it is the first to see (falling back to a consistent read
// when that misses).
func TestFirstReadEventual(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t, 12, 0, 0, 0)
	arn := h.startOne(ctx, "two", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`, `{}`)
	next := func() *queue.Delivery {
		ds, err := h.q.MessageReceive(ctx, &queue.MessageReceiveParams{MaxMessages: 1})
		require.NoError(t, err)
		require.Len(t, ds, 1)
		require.NoError(t, h.q.MessageDelete(ctx, &queue.MessageDeleteParams{ReceiptHandles: []string{ds[0].ReceiptHandle}}))
		return ds[0]
	}
	worker := func(hide bool) (*engine.Engine, *readsStore) {
		rs := &readsStore{Store: h.st, hide: hide}
		eng, err := engine.New(&engine.Config{Store: rs, Queue: h.q, NowFunc: h.clk.Now, Clock: h.clk})
		require.NoError(t, err)
		return eng, rs
	}
	first, rs1 := worker(false)
	require.NoError(t, first.HandleMessage(ctx, next().Body, 1))
	require.Equal(t, []store.ExecutionGetParams{{ARN: arn}}, rs1.gets, "the first message reads consistently")
	second, rs2 := worker(true)
	require.NoError(t, second.HandleMessage(ctx, next().Body, 1))
	require.Equal(t, []store.ExecutionGetParams{{ARN: arn, Eventual: true}, {ARN: arn}}, rs2.gets, "a later one eventually, then consistently on a miss")
	require.Equal(t, store.StatusSucceeded, h.execution(ctx, arn).Status)
}

// TestQuietParallel: the branches of a Parallel (8 at most) that succeed
// do not report to the parent one by one; the last to end, finding its
// siblings ended, reports for all: the parent takes two steps, its fork
// and its join. A wider Parallel reports each end.
func TestQuietParallel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	branches := func(n int) string {
		var bs []string
		for i := range n {
			bs = append(bs, fmt.Sprintf(`{"StartAt":"A%[1]d","States":{"A%[1]d":{"Type":"Pass","Result":%[1]d,"Next":"B%[1]d"},"B%[1]d":{"Type":"Pass","End":true}}}`, i))
		}
		return `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[` + strings.Join(bs, ",") + `]}}}`
	}
	for _, c := range []struct {
		branches int
		rootSeq  int64
	}{{3, 1}, {8, 1}, {9, 9}} {
		h := newHarness(t, 13, 0, 0, 0)
		arn := h.startOne(ctx, fmt.Sprintf("p%d", c.branches), branches(c.branches), `{}`)
		h.drain(ctx)
		rec := h.execution(ctx, arn)
		require.Equal(t, store.StatusSucceeded, rec.Status)
		var want []string
		for i := range c.branches {
			want = append(want, fmt.Sprint(i))
		}
		require.JSONEq(t, "["+strings.Join(want, ",")+"]", rec.Output)
		th, err := h.st.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: "root"})
		require.NoError(t, err)
		require.Equal(t, c.rootSeq, th.Seq, "%d branches: the root's last step", c.branches)
		require.Equal(t, typeCounts(referenceHistory(t, branches(c.branches), `{}`)), typeCounts(mustHistory(t, h, arn)))
	}
}

func mustHistory(t *testing.T, h *harness, arn string) []*interp.Event {
	hist, err := h.eng.History(context.Background(), arn)
	require.NoError(t, err)
	return hist
}

// crashingAt returns another worker on the harness's store and queue
// whose handler dies at point, every time.
func (h *harness) crashingAt(point string) *engine.Engine {
	eng, err := engine.New(&engine.Config{Store: h.st, Queue: h.q, NowFunc: h.clk.Now, Clock: h.clk,
		FaultFunc: func(p string) error {
			if p == point {
				return errors.New("injected crash at " + p)
			}
			return nil
		}})
	require.NoError(h.t, err)
	return eng
}

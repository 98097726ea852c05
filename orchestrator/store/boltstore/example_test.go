package boltstore_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/store/boltstore"
)

// Start an execution, advance its root thread once, and see a duplicate
// delivery of the same step lose the race.
func Example() {
	ctx := context.Background()
	s, err := boltstore.Open("", nil) // a temporary file, removed by Close
	if err != nil {
		panic(err)
	}
	defer s.Close()

	const arn = "arn:aws:states:us-east-1:123456789012:execution:contact-form:e1"
	err = s.Commit(ctx, &store.CommitParams{
		ExecutionARN: arn,
		ExecutionCreate: &store.Execution{ARN: arn, Name: "e1", Status: store.StatusRunning, Input: `{}`,
			StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form",
			StartedAt:       time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq, Seq: 0, Data: []byte("at Process"),
			Outbox: [][]byte{[]byte("run root seq 0")}}},
		Events: []store.EventWrite{{Key: "0000", Data: []byte("ExecutionStarted")}},
	})
	if err != nil {
		panic(err)
	}

	step := &store.CommitParams{
		ExecutionARN: arn,
		Threads:      []store.ThreadWrite{{ThreadID: "root", ExpectSeq: 0, Seq: 1, Data: []byte("at Store")}},
		Events:       []store.EventWrite{{Key: "0001", Data: []byte("TaskStateExited")}},
	}
	fmt.Println("first delivery:", s.Commit(ctx, step))
	err = s.Commit(ctx, step)
	fmt.Println("duplicate is a conflict:", errors.Is(err, store.ErrConflict))

	th, _ := s.ThreadGet(ctx, &store.ThreadGetParams{ExecutionARN: arn, ThreadID: "root"})
	fmt.Printf("root: seq %d, %s\n", th.Seq, th.Data)
	h, _ := s.HistoryList(ctx, &store.HistoryListParams{ExecutionARN: arn})
	for _, e := range h.Events {
		fmt.Println(e.Key, string(e.Data))
	}
	// Output:
	// first delivery: <nil>
	// duplicate is a conflict: true
	// root: seq 1, at Store
	// 0000 ExecutionStarted
	// 0001 TaskStateExited
}

package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

func TestCommitParamsValidate(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1"
	exec := func() *store.Execution {
		return &store.Execution{ARN: arn, StateMachineARN: "sm", Name: "e1", Status: store.StatusRunning, StartedAt: time.Unix(0, 0)}
	}
	events := func(n, size int) []store.EventWrite {
		out := make([]store.EventWrite, n)
		for i := range out {
			out[i] = store.EventWrite{Key: strings.Repeat("k", i+1), Data: make([]byte, size)}
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		params    store.CommitParams
		wantErr   string // "" for valid
		wantLarge bool
	}{
		{"Start", store.CommitParams{ExecutionARN: arn, ExecutionCreate: exec(), Threads: []store.ThreadWrite{{ThreadID: "root", ExpectSeq: store.NoSeq}}}, "", false},
		{"MaxItems", store.CommitParams{ExecutionARN: arn, Events: events(store.MaxCommitItems, 1)}, "", false},
		{"TooManyItems", store.CommitParams{ExecutionARN: arn, Events: events(store.MaxCommitItems+1, 1)}, "validating commit: 101 items, more than 100: store: too large", true},
		{"ExecutionCountsTwo", store.CommitParams{ExecutionARN: arn, ExecutionCreate: exec(), Events: events(store.MaxCommitItems-1, 1)}, "validating commit: 101 items, more than 100: store: too large", true},
		{"RecordAtLimit", store.CommitParams{ExecutionARN: arn, Events: events(1, store.MaxRecordBytes)}, "", false},
		{"RecordTooLarge", store.CommitParams{ExecutionARN: arn, Events: events(1, store.MaxRecordBytes+1)}, "validating commit: event k has 393217 bytes, more than 393216: store: too large", true},
		{"OutboxCounts", store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: 0, Seq: 1, Data: make([]byte, store.MaxRecordBytes), Outbox: [][]byte{{1}}}}}, "validating commit: thread t has 393217 bytes, more than 393216: store: too large", true},
		{"CommitTooLarge", store.CommitParams{ExecutionARN: arn, Events: events(11, 360*1024)}, "validating commit: 4055040 bytes, more than 3670016: store: too large", true},
		{"KeyTooLong", store.CommitParams{ExecutionARN: arn, Events: []store.EventWrite{{Key: strings.Repeat("k", store.MaxKeyBytes+1)}}}, `validating commit: key "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"... has 1001 bytes, more than 1000: store: too large`, true},
		{"Empty", store.CommitParams{ExecutionARN: arn}, "validating commit: nothing to write", false},
		{"NoARN", store.CommitParams{Events: events(1, 1)}, "validating commit: ExecutionARN is empty", false},
		{"CreateAndUpdate", store.CommitParams{ExecutionARN: arn, ExecutionCreate: exec(), ExecutionUpdate: &store.ExecutionUpdate{Status: store.StatusFailed}}, "validating commit: both ExecutionCreate and ExecutionUpdate are set", false},
		{"CreateOtherARN", store.CommitParams{ExecutionARN: "x", ExecutionCreate: exec()}, `validating commit: ExecutionCreate.ARN "` + arn + `" is not ExecutionARN "x"`, false},
		{"ThreadNUL", store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: "a\x00b"}}}, `validating commit: thread ID "a\x00b" is empty or contains NUL`, false},
		{"SeqNotNext", store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: 3, Seq: 5}}}, `validating commit: thread "t" Seq 5 is not ExpectSeq+1 (4)`, false},
		{"NewThreadNotAtZero", store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: store.NoSeq, Seq: 1}}}, `validating commit: thread "t" Seq 1 is not ExpectSeq+1 (0)`, false},
		{"ExpectSeqBelowNoSeq", store.CommitParams{ExecutionARN: arn, Threads: []store.ThreadWrite{{ThreadID: "t", ExpectSeq: -2}}}, `validating commit: thread "t" ExpectSeq -2 is below NoSeq`, false},
		{"EventTwice", store.CommitParams{ExecutionARN: arn, Events: []store.EventWrite{{Key: "a"}, {Key: "a"}}}, `validating commit: event "a" written twice`, false},
		{"TokenPutAndDelete", store.CommitParams{ExecutionARN: arn, TokensPut: []store.Token{{Token: "t", ExecutionARN: arn}}, TokensDelete: []string{"t"}}, `validating commit: token "t" is empty or repeated`, false},
		{"ChildTwice", store.CommitParams{ExecutionARN: arn, ChildResults: []store.ChildResultWrite{{ParentThreadID: "p", Index: 1}, {ParentThreadID: "p", Index: 1}}}, `validating commit: child result "p"/1 written twice`, false},
		{"ActivityTask", store.CommitParams{ExecutionARN: arn, ActivityTasks: []store.ActivityTask{{ActivityARN: "a", Key: "k", Token: "t", ExecutionARN: arn}}}, "", false},
		{"ActivityTaskOtherExecution", store.CommitParams{ExecutionARN: arn, ActivityTasks: []store.ActivityTask{{ActivityARN: "a", Key: "k", Token: "t", ExecutionARN: "x"}}}, `validating commit: activity task's ExecutionARN "x" is not ExecutionARN "` + arn + `"`, false},
		{"ActivityTaskNoToken", store.CommitParams{ExecutionARN: arn, ActivityTasks: []store.ActivityTask{{ActivityARN: "a", Key: "k", ExecutionARN: arn}}}, `validating commit: activity task "a"/"k" has no token`, false},
		{"ActivityTaskPutAndDelete", store.CommitParams{ExecutionARN: arn, ActivityTasks: []store.ActivityTask{{ActivityARN: "a", Key: "k", Token: "t", ExecutionARN: arn}}, ActivityTasksDelete: []store.ActivityTaskDelete{{ActivityARN: "a", Key: "k"}}}, `validating commit: activity task "a"/"k" written twice`, false},
		{"ActivityTaskEmptyKey", store.CommitParams{ExecutionARN: arn, ActivityTasksDelete: []store.ActivityTaskDelete{{ActivityARN: "a"}}}, `validating commit: activity task "a"/"": empty ARN or key, or NUL`, false},
		{"ActivityTaskTooLarge", store.CommitParams{ExecutionARN: arn, ActivityTasks: []store.ActivityTask{{ActivityARN: "a", Key: "k", Token: "t", ExecutionARN: arn, Input: strings.Repeat("x", store.MaxRecordBytes), Data: []byte{1}}}}, "validating commit: activity task has 393217 bytes, more than 393216: store: too large", true},
		{"ChildNegative", store.CommitParams{ExecutionARN: arn, ChildResults: []store.ChildResultWrite{{ParentThreadID: "p", Index: -1}}}, `validating commit: child result "p"/-1: empty parent, NUL or negative index`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.params.Validate()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.wantErr)
			if tc.wantLarge {
				require.ErrorIs(t, err, store.ErrTooLarge)
			} else {
				require.NotErrorIs(t, err, store.ErrTooLarge)
			}
		})
	}
}

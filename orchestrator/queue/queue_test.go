package queue_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue"
)

func TestBatchError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *queue.BatchError
		want string
	}{
		{
			name: "One",
			err:  &queue.BatchError{Op: "sending", Failures: []queue.BatchFailure{{Index: 3, Code: "InternalError", Message: "try again"}}},
			want: "sending 1 messages failed: #3 InternalError (try again)",
		},
		{
			name: "TwoWithoutMessage",
			err:  &queue.BatchError{Op: "deleting", Failures: []queue.BatchFailure{{Index: 0, Code: "A"}, {Index: 12, Code: "B"}}},
			want: "deleting 2 messages failed: #0 A; #12 B",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, tt.err.Error())
		})
	}
}

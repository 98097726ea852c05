package store

// NoSeq is the ThreadWrite.ExpectSeq of a thread that must not exist yet.
const NoSeq int64 = -1

// Thread is the checkpoint of one thread of an execution.
type Thread struct {
	// ExecutionARN is the execution the thread belongs to.
	ExecutionARN string
	// ThreadID identifies the thread within the execution.
	ThreadID string
	// Seq is the fence: the sequence number of the last committed step.
	Seq int64
	// Data is the engine's checkpoint, opaque to the store.
	Data []byte
	// Outbox holds the messages the last step must send, opaque to the
	// store; the engine sends them again when a duplicate arrives.
	Outbox [][]byte
}

// ThreadGetParams are the parameters of Store.ThreadGet.
type ThreadGetParams struct {
	// ExecutionARN is the execution's ARN.
	ExecutionARN string
	// ThreadID is the thread's ID.
	ThreadID string
}

// ThreadWrite replaces one thread's checkpoint within a Commit.
type ThreadWrite struct {
	// ThreadID is the thread's ID; it must not contain a NUL byte.
	ThreadID string
	// ExpectSeq is the stored Seq this write requires (as ThreadGet
	// returned it), or NoSeq for a thread that must not exist yet;
	// otherwise the Commit fails with ErrConflict.
	ExpectSeq int64
	// Seq is the new sequence number: ExpectSeq+1 (0 for a new thread).
	// The events of the commit keyed StepEventKey(ThreadID, Seq, i) are
	// this step's.
	Seq int64
	// Data is the new checkpoint.
	Data []byte
	// Outbox is the new outbox.
	Outbox [][]byte
}

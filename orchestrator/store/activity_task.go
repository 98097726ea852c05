package store

// ActivityTask is a task of an activity waiting for a worker: the engine
// writes it in the Commit that issues its task token, and GetActivityTask
// hands it to exactly one poller with Store.ActivityTaskClaim.
type ActivityTask struct {
	// ActivityARN is the activity the task belongs to.
	ActivityARN string
	// Key orders the activity's waiting tasks (byte-wise, oldest first);
	// the engine chooses it and it is unique within the activity.
	Key string
	// Token is the task token the worker answers with.
	Token string
	// ExecutionARN is the execution that scheduled the task; it must be
	// the Commit's ExecutionARN.
	ExecutionARN string
	// ThreadID is the thread that waits for the task.
	ThreadID string
	// Input is the task's input, a JSON text.
	Input string
	// Data is opaque to the store, for the engine.
	Data []byte
}

// ActivityTaskDelete removes a waiting activity task within a Commit (the
// task was answered or timed out before a worker claimed it). Deleting a
// task that is gone is not an error.
type ActivityTaskDelete struct {
	// ActivityARN is the activity.
	ActivityARN string
	// Key is the task's key.
	Key string
}

// ActivityTaskClaimParams are the parameters of Store.ActivityTaskClaim.
type ActivityTaskClaimParams struct {
	// ActivityARN is the activity whose oldest waiting task to claim.
	ActivityARN string
}

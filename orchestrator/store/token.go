package store

// Token is a task token (.waitForTaskToken, activities): what it resumes.
type Token struct {
	// Token is the unguessable token string; it is the key.
	Token string
	// ExecutionARN is the execution to resume.
	ExecutionARN string
	// ThreadID is the thread to resume.
	ThreadID string
	// Seq is the thread's Seq when the token was issued.
	Seq int64
	// Data is opaque to the store, for the engine (e.g. heartbeat deadline).
	Data []byte
}

// TokenGetParams are the parameters of Store.TokenGet.
type TokenGetParams struct {
	// Token is the task token.
	Token string
}

package store

// ChildResult is the recorded result of one child thread (a Parallel branch
// or Map iteration) of a parent thread.
type ChildResult struct {
	// Index is the child's index under the parent, from 0.
	Index int
	// Data is the result, opaque to the store.
	Data []byte
}

// ChildResultWrite records one child result within a Commit. If the result
// is recorded already, the Commit fails with ErrConflict.
type ChildResultWrite struct {
	// ParentThreadID is the parent thread's ID; it must not contain a NUL
	// byte.
	ParentThreadID string
	// Index is the child's index, from 0.
	Index int
	// Data is the result.
	Data []byte
}

// ChildResultListParams are the parameters of Store.ChildResultList.
type ChildResultListParams struct {
	// ExecutionARN is the execution's ARN.
	ExecutionARN string
	// ParentThreadID is the parent thread's ID.
	ParentThreadID string
	// Limit bounds the page size; 0 means 100, and at most 1000.
	Limit int
	// NextToken continues a previous listing; empty starts from index 0.
	NextToken string
}

// ChildResultListResult is one page of child results.
type ChildResultListResult struct {
	// Results are in Index order.
	Results []ChildResult
	// NextToken continues the listing; empty when there is no more. A page
	// may hold fewer than Limit results even when NextToken is not empty.
	NextToken string
}

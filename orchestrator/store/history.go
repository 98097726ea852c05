package store

// Event is one history event of an execution.
type Event struct {
	// Key orders the events of an execution (byte-wise); the engine
	// chooses it and it is unique within the execution.
	Key string
	// Data is the event, opaque to the store.
	Data []byte
}

// HistoryListParams are the parameters of Store.HistoryList.
type HistoryListParams struct {
	// ExecutionARN is the execution's ARN.
	ExecutionARN string
	// StartAfter, when not empty, starts the page after this key: keys
	// greater than it, or smaller when Reverse. Pass the previous page's
	// Next to continue.
	StartAfter string
	// Limit bounds the page size; 0 means 100, and at most 1000.
	Limit int
	// Reverse lists from the greatest key down.
	Reverse bool
}

// HistoryListResult is one page of history events.
type HistoryListResult struct {
	// Events are in key order (or reverse).
	Events []Event
	// Next is the StartAfter of the next page; empty when there is no
	// more. A page may hold fewer than Limit events even when Next is not
	// empty.
	Next string
}

// EventWrite adds one history event within a Commit.
type EventWrite struct {
	// Key is the event's key, not empty. If an event with this key exists,
	// the Commit fails with ErrConflict.
	Key string
	// Data is the event.
	Data []byte
}

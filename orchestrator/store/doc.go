// Package store is the persistence contract of the engine: the Store
// interface, its records, its limits and its sentinel errors. Nothing else
// lives here; implementations are the subpackages boltstore (embedded, one
// file on disk) and dynamostore (Amazon DynamoDB), and both pass the shared
// driver suite in storetest.
//
// # Records
//
// The engine treats thread checkpoints, history event bodies, task-token
// data, child results and outbox messages as opaque bytes; the store's job
// is to persist them durably, atomically and fenced:
//
//   - StateMachine: a definition with a revision that grows on each update;
//     every revision stays readable so that running executions keep theirs.
//   - Activity: a name and an ARN.
//   - Execution: one run of a state machine, its status and results.
//   - Thread: the checkpoint of one thread of an execution (root, Parallel
//     branch, Map iteration), fenced by its sequence number Seq.
//   - Event: one history event under an engine-defined, sortable key.
//   - Token: a task token and the (execution, thread, seq) it resumes.
//   - ChildResult: the result of child Index of a parent thread (fan-in),
//     recorded at most once.
//
// # Commit
//
// Every change to an execution goes through Commit: one atomic, fenced
// write of thread checkpoints, history events, the execution record, task
// tokens and child results. Either everything in a CommitParams is written
// or nothing is. Starting an execution is one Commit that creates the
// execution, the root thread (ExpectSeq NoSeq) and the first events.
//
// # Errors
//
// Drivers translate their own failures to the sentinels ErrNotFound,
// ErrAlreadyExists, ErrConflict, ErrTooLarge and ErrNotImplemented, which
// callers compare with errors.Is. Any other error is an infrastructure
// failure: the engine does not acknowledge the message and it is delivered
// again.
//
// # Limits
//
// A commit holds at most MaxCommitItems items and MaxCommitBytes bytes of
// payload, and one record at most MaxRecordBytes; both drivers enforce the
// same limits (those of a DynamoDB transaction) so that code tested on the
// embedded store behaves the same on AWS.
package store

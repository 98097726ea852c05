// Package dynamostore is the store.Store on Amazon DynamoDB: one table,
// one TransactWriteItems per Commit.
//
// # Table (copy this into the SAM template)
//
//	AttributeDefinitions: pk S, sk S, gsi1pk S, gsi1sk S
//	KeySchema:            pk HASH, sk RANGE
//	BillingMode:          PAY_PER_REQUEST
//	GlobalSecondaryIndexes:
//	  - IndexName: gsi1
//	    KeySchema: gsi1pk HASH, gsi1sk RANGE
//	    Projection: INCLUDE, NonKeyAttributes: [arn, name, smArn, rev, status, started, stopped, type, created, updated]
//	TimeToLiveSpecification: AttributeName ttl, Enabled true
//
// CreateTable creates exactly this table (the CLI and the tests use it).
//
// # Items
//
//	item                 pk                              sk               gsi1pk / gsi1sk
//	execution            EXEC#<arn>                      META             EXECS#<sm arn> / <started>#<arn>
//	execution result     EXEC#<arn>                      META#OUT         -
//	history event        EXEC#<arn>                      EVENT#<key>      -
//	thread checkpoint    EXEC#<arn>#THREAD#<thread>      THREAD           -
//	child result         EXEC#<arn>#CHILD#<parent>       <index, 20 digits> -
//	task token           TOKEN#<token>                   TOKEN            -
//	state machine        SM#<arn>                        META             SMS / <arn> (removed on delete)
//	state machine rev.   SM#<arn>                        REV#<rev, 20 digits> -
//	activity             ACT#<arn>                       META             ACTS / <arn>
//	waiting activity task ACT#<arn>                      TASK#<key>       -
//
// <started> is the start time in UTC, fixed width, so that it sorts.

// An activity's waiting tasks share its partition, in key order (the engine
// makes keys start with the scheduling time): ActivityTaskClaim Queries
// the first few and deletes one with a condition that it still exists, so
// that each task goes to exactly one worker. One activity's partition
// takes at most 1,000 writes a second (a schedule and a claim each): the
// natural bound of one activity's throughput.
//
// Why this layout, compared with DESIGN.md's (everything of an execution
// under EXEC#<arn>):
//
//   - Each thread and each parent's child results have their own partition
//     key. A 10,000-item Map writes its checkpoints and results across many
//     partitions instead of one (a partition takes at most 1,000 WCU/s);
//     only the history stays under the execution's key, because it must be
//     read back in order with one Query.
//   - The execution's output, error and cause live in a second item
//     (META#OUT), so that an input and an output of up to 256 KB each both
//     fit under the 400 KB item limit. ExecutionGet reads both with one
//     Query.
//   - The GSI projects only the summary attributes, so execution starts and
//     stops cost little there; ExecutionList returns summaries.
//
// # Commit
//
// A Commit is one TransactWriteItems: every write is a Put, Update or
// Delete with a ConditionExpression (threads `attribute_not_exists(pk)` or
// `seq = :expect`; events, tokens and child results
// `attribute_not_exists(pk)`; the execution update `#status = RUNNING`).
// When DynamoDB cancels the transaction, the cancellation reasons say
// which item failed: ConditionalCheckFailed on the execution create is
// store.ErrAlreadyExists, on anything else store.ErrConflict. Reasons
// that say "try again" (TransactionConflict, throttling) are retried a few
// times with backoff, because a transaction cancelled that way wrote
// nothing and proved nothing; after that the error is returned as an
// infrastructure error (no sentinel), so that the message is redelivered.
// The SDK's own retries of a call reuse its ClientRequestToken, so a
// retried transaction that had in fact succeeded is not reported as a
// conflict.
//
// The execution counts as two items (META and META#OUT), so a Commit holds
// at most store.MaxCommitItems = 100 items, DynamoDB's transaction limit;
// store.CommitParams.Validate refuses larger commits with store.ErrTooLarge
// before any request. The engine must split larger fan-outs (e.g. start a
// Map's children in windows) across steps.
//
// # Cost
//
// A transactional write costs 2 WCU per started KB of each item. A typical
// step (one thread with a ~1 KB checkpoint, two small history events) is
// three items: 2 x 2 WCU for the checkpoint (its keys push it past 1 KB)
// and 2 x 1 KB-or-less events at 2 WCU each: 8 WCU. Stats counts the
// requests and the capacity DynamoDB reports per operation.
//
// # Consistency
//
// ThreadGet, ExecutionGet, TokenGet, StateMachineGet, ActivityGet,
// HistoryList and ChildResultList read consistently. ExecutionList,
// StateMachineList and ActivityList read the GSI, which is eventually
// consistent on DynamoDB.
//
// # Retention
//
// When store.CommitParams.ExpiresAt is set, every item the Commit writes
// gets it in `ttl` (epoch seconds) and DynamoDB deletes it some time after.
package dynamostore

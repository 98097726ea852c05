// Package dynamostore is the store.Store on Amazon DynamoDB: one table;
// a Commit is one conditional PutItem when it writes one step of one
// thread (nearly every state transition), else one TransactWriteItems.
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
//	item                  pk                         sk                  gsi1pk / gsi1sk
//	execution             X#<id>                     M                   EXECS#<sm arn> / <started>#<arn>
//	execution result      X#<id>                     O (large results)   -
//	step of a thread      X#<id>                     H<step key>         -
//	history event alone   X#<id>                     H<event key>        -
//	child result          X#<id>#C#<parent>          <index, 20 digits>  -
//	task token            TOKEN#<token>              TOKEN               -
//	state machine         SM#<arn>                   META                SMS / <arn> (removed on delete)
//	state machine rev.    SM#<arn>                   REV#<rev, 20 digits> -
//	activity              ACT#<arn>                  META                ACTS / <arn>
//	waiting activity task ACT#<arn>                  TASK#<key>          -
//
// <id> is the first 128 bits of the SHA-256 of the execution's ARN, 22
// characters of base64url, so that an execution's ARN (85 bytes or more)
// is not repeated in the key of every item it writes. <started> is the
// start time in UTC, fixed width, so that it sorts. A <step key> is
// store.StepKey(thread, seq); an <event key> is the engine's.
//
// A step item is a thread's checkpoint at one Seq, with its outbox and
// the history events of the step (those keyed store.StepEventKey(thread,
// seq, i)), in one binary attribute, DEFLATE-compressed when that is
// smaller (step.go). Old steps stay: the thread's checkpoint is its
// latest step item (ThreadGet Queries the thread's H<thread># keys
// backwards, one item), and the history is every H item in key order
// (HistoryList Queries them, and a step item yields its events). A
// step's events sort right after the step's own key and before the next
// step's, so pages of events are pages of items. Events of no step (or
// too large to share the step's item) are items of their own.
//
// The execution's output, error and cause are in its M item when they
// fit in 8 KB, else in the O item, so that an input and an output of up
// to 256 KB each both fit under the 400 KB item limit. ExecutionGet reads
// both with one Query.
//
// An activity's waiting tasks share its partition, in key order (the engine
// makes keys start with the scheduling time): ActivityTaskClaim Queries
// the first few and deletes one with a condition that it still exists, so
// that each task goes to exactly one worker. One activity's partition
// takes at most 1,000 writes a second (a schedule and a claim each): the
// natural bound of one activity's throughput.
//
// Why this layout, compared with DESIGN.md's (a checkpoint item per
// thread, overwritten, and an item per history event):
//
//   - A state transition writes one item, not three: the step item holds
//     what the checkpoint, the outbox and the events held, and a write of
//     one item needs no transaction, which DynamoDB bills at twice the
//     units of plain writes. A Pass step of a ~100-byte payload is one
//     item under 1 KB: 1 write unit, where checkpoint + 2 events in a
//     transaction were 6.
//   - The fence is the step's key: `attribute_not_exists(pk)` on the item
//     of step ExpectSeq+1 lets exactly one of the writers that read the
//     thread at ExpectSeq through, as `seq = :expect` on an overwritten
//     item did (store.CommitParams says what this does not check).
//   - Everything of an execution shares one partition, which takes at
//     most 1,000 write units a second before DynamoDB splits it by sort
//     key ranges (it can: the table has no local index). The history had
//     to be in one partition anyway to be read in order with one Query.
//   - The GSI projects only the summary attributes, so execution starts and
//     stops cost little there; ExecutionList returns summaries.
//
// # Commit
//
// A Commit that comes down to one item is a PutItem (or UpdateItem, or
// DeleteItem) with its condition; ConditionalCheckFailed is
// store.ErrAlreadyExists for an execution create, else store.ErrConflict.
// Any other Commit is one TransactWriteItems: every write is a Put,
// Update or Delete with a ConditionExpression (steps, events, tokens and
// child results `attribute_not_exists(pk)`; the execution update
// `#status = RUNNING`). When DynamoDB cancels the transaction, the
// cancellation reasons say which item failed: ConditionalCheckFailed on
// the execution create is store.ErrAlreadyExists, on anything else
// store.ErrConflict. Reasons that say "try again" (TransactionConflict,
// throttling) are retried a few times with backoff, because a transaction
// cancelled that way wrote nothing and proved nothing; after that the
// error is returned as an infrastructure error (no sentinel), so that the
// message is redelivered. The SDK's own retries of a call reuse its
// ClientRequestToken, so a retried transaction that had in fact succeeded
// is not reported as a conflict.
//
// The execution counts as two items (M and O), so a Commit holds at most
// store.MaxCommitItems = 100 items, DynamoDB's transaction limit;
// store.CommitParams.Validate refuses larger commits with store.ErrTooLarge
// before any request.
//
// # Cost
//
// A plain write costs 1 WCU per started KB of the item, a transactional
// one 2 WCU per started KB of each item; a strongly consistent read 1 RCU
// per started 4 KB. A step of a Pass state with a ~100-byte payload (a
// checkpoint of ~400 bytes, one outbox message, two events of ~300 bytes)
// compresses to one item under 1 KB: 1 WCU (TestCommitCapacity), and
// reading the thread back 1 RCU. Stats counts the requests and the
// capacity DynamoDB reports per operation.
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

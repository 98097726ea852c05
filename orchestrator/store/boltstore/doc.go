// Package boltstore is the embedded store.Store: one file on disk, pure Go
// (builds with CGO_ENABLED=0), for the CLI and for tests.
//
// # Why bbolt
//
// It uses go.etcd.io/bbolt rather than modernc.org/sqlite. The store needs
// key-ordered ranges (history, child results, executions by start time),
// point reads and one atomic multi-key transaction per Commit; it needs no
// query language. bbolt gives exactly that in a small dependency
// (modernc.org/sqlite is a ~10 MB transpiled C library), with one writer at
// a time, readers that never block, and a commit that costs two fdatasync
// calls (data pages, then the meta page).
//
// # Group commit
//
// Concurrent Commit calls share one bbolt transaction and so one pair of
// fdatasyncs: while a transaction is being written, new commits queue up,
// and the next transaction applies all of them, each one's conditions
// checked against the writes of those before it. A commit whose
// conditions fail is left out of the transaction and gets its sentinel
// error; the others are unaffected. A lone caller never waits for a batch
// to fill (bbolt's own DB.Batch waits up to 10 ms). Stats reports commits
// and transactions.
//
// # Layout
//
// One bucket per record kind. Keys join their parts with a NUL byte, which
// IDs and ARNs may not contain: threads `exec ARN, thread ID`; events
// `exec ARN, event key`; child results `exec ARN, parent ID, index as 8
// bytes big-endian`; executions by state machine `state machine ARN, start
// time as 8 bytes big-endian, exec ARN` (read backwards for newest
// first). Records are JSON, except thread checkpoints and event and child
// bodies, which are stored as they are.
//
// CommitParams.ExpiresAt is ignored: the embedded store keeps everything.
package boltstore

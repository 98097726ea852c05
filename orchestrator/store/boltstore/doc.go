// Package boltstore is the embedded store.Store: one file on disk and its
// log, pure Go (builds with CGO_ENABLED=0), for the CLI and for tests.
//
// # Why bbolt
//
// It uses go.etcd.io/bbolt rather than modernc.org/sqlite. The store needs
// key-ordered ranges (history, child results, executions by start time),
// point reads and one atomic multi-key transaction per Commit; it needs no
// query language. bbolt gives exactly that in a small dependency
// (modernc.org/sqlite is a ~10 MB transpiled C library), with one writer at
// a time and readers that never block.
//
// # Durability: a log in front of the file
//
// A bbolt commit costs two fdatasyncs (data pages, then the meta page) and
// rewrites every page it touches. The store instead writes each commit's
// records to an append-only log with one fdatasync, keeps them in memory,
// and writes them into the bbolt file later, many commits at once:
//
//   - Write transactions (Commit and the other writes) run against the
//     layers in memory over the file: their conditions are checked there,
//     so that the fencing of store.Commit is exactly as before. What a
//     transaction wrote (keys and values, after its checks passed) goes
//     into a log record: length, CRC-32C, entries.
//   - Group commit: a write joins the open group at once. Under the group
//     commit's lock its caller checks its conditions against the writes
//     of the open group, those of the group being synced (not durable
//     yet, but they decide what later writes may do), the active and
//     frozen layers and the file, and adds its writes to the group; one
//     that fails writes nothing and gets its error, the others are
//     unaffected. A Commit is prepared before that, outside the lock:
//     keys, encoded values, its part of the record, and the values of
//     its checked keys below the active layer.
//   - A syncer goroutine (started by the first caller to find none; it
//     runs while groups are open) takes the open group as soon as the
//     last one is answered: one record, one fdatasync for the whole
//     group, then its writes join the active layer (a B-tree) and its
//     callers are answered, in order. Meanwhile the next group gathers
//     and is checked, so the serial work is only the checks and the
//     merge. Under load the syncer goes from group to group without
//     waiting for a caller to be scheduled. A lone writer never waits for
//     a group to fill and pays exactly one fdatasync a commit. A failed
//     write or fdatasync fails the store, and every caller not answered
//     yet gets the error.
//   - Reads look at the active layer, the layer being checkpointed, then
//     the file: they see only durable writes.
//   - Log segments are written ahead with zeros, so that a record's
//     fdatasync overwrites blocks that exist and commits no file-system
//     journal. When a segment is half full, a goroutine creates the next
//     one (8 MB of zeros, synced 256 KB at a time, and its directory
//     entry); the first record that does not fit in the current segment
//     starts the next, if it is ready and every earlier record is synced
//     (else the segment writes 4 MB more zeros itself, which the next
//     record's fdatasync syncs: about 11 ms here, while every commit
//     waits; before spares, that happened every 4 MB of log).
//   - Checkpoint: when the active layer holds Options.CheckpointBytes
//     (checked by the syncer between groups, when every record of the
//     segment is durable and in the active layer), it is frozen, a new
//     log segment starts, and a goroutine writes the frozen layer into
//     the file in one bbolt transaction (with its two fdatasyncs) that
//     also records the last segment it covers; then the covered segments
//     are removed. Close checkpoints everything, so a
//     closed store is a plain bbolt file.
//   - Open replays the segments that the last checkpoint does not cover,
//     in order, into the file, and stops at the first incomplete or
//     corrupt record of the last segment with records (a write torn by a
//     crash: its commit never returned; the segments after it are empty
//     ones written ahead). Replay writes keys and values, so it is
//     idempotent, and a new field of CommitParams needs no recovery code.
//     A bad record before the last segment's end fails Open rather than
//     drop acknowledged commits.
//
// The bbolt file itself is only ever written by durable bbolt
// transactions, so it is as safe against power loss as bbolt is; the log
// is what makes a commit durable before it is in the file. Stats counts
// the commits, the group commits and every fdatasync.
//
// # Layout
//
// One bucket per record kind. Keys join their parts with a NUL byte, which
// IDs and ARNs may not contain: threads `exec ARN, thread ID`; events
// `exec ARN, event key`; child results `exec ARN, parent ID, index as 8
// bytes big-endian`; executions by state machine `state machine ARN, start
// time as 8 bytes big-endian, exec ARN` (read backwards for newest
// first). Execution records and thread checkpoints have binary encodings
// (see encodeExecution and encodeThread); event and child bodies are
// stored as they are; the other records are JSON. The layers in memory
// key each entry by bucket name, NUL, key.
//
// CommitParams.ExpiresAt is ignored: the embedded store keeps everything.
package boltstore

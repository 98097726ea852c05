package boltstore

import "os"

// WaitCheckpoint waits for a running checkpoint to end (tests copy the
// files between checkpoints).
func (s *Store) WaitCheckpoint() { s.waitFlush() }

// SetSyncDepth sets how many groups may be syncing at once in a store
// opened with o.
func SetSyncDepth(o *Options, n int) { o.syncDepth = n }

// SetLogSync replaces the fdatasync of log records; call it before the
// first write.
func (s *Store) SetLogSync(f func(*os.File) error) {
	s.group.mu.Lock()
	s.logSync = f
	s.group.mu.Unlock()
}

// SetSegmentBytes sets how much of a log segment is written ahead with
// zeros (and so how soon records move to the next) in a store opened
// with o.
func SetSegmentBytes(o *Options, n int64) { o.segmentBytes = n }

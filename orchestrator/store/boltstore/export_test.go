package boltstore

// WaitCheckpoint waits for a running checkpoint to end (tests copy the
// files between checkpoints).
func (s *Store) WaitCheckpoint() { s.waitFlush() }

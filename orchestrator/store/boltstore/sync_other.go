//go:build !linux

package boltstore

import (
	"errors"
	"os"
)

// fdatasync flushes f (fsync, or F_FULLFSYNC on macOS).
func fdatasync(f *os.File) error {
	return f.Sync()
}

// allocate does nothing: segments grow as they are written.
func allocate(f *os.File, off, n int64) error {
	return errors.ErrUnsupported
}

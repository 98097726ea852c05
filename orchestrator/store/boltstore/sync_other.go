//go:build !linux

package boltstore

import "os"

// fdatasync flushes f (fsync, or F_FULLFSYNC on macOS).
func fdatasync(f *os.File) error {
	return f.Sync()
}

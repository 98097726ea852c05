package boltstore

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data and the metadata needed to read it back.
func fdatasync(f *os.File) error {
	return syscall.Fdatasync(int(f.Fd()))
}

// allocate allocates n bytes of f from off, reading as zeros, so that
// writing them later does not change the file's size.
func allocate(f *os.File, off, n int64) error {
	return syscall.Fallocate(int(f.Fd()), 0, off, n)
}

//go:build !unix

package boltstore_test

import "time"

// cpuTime returns 0: the benchmark's CPU time is measured on Unix only.
func cpuTime() time.Duration { return 0 }

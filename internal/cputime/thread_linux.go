package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// Thread returns the user plus system CPU time used by the calling OS
// thread. Callers lock their goroutine to its thread
// (runtime.LockOSThread) for the span they measure.
func Thread() time.Duration { return rusage(unix.RUSAGE_THREAD) }

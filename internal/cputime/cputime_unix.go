//go:build unix

package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// Process returns the user plus system CPU time used by all threads of
// this process.
func Process() time.Duration { return rusage(unix.RUSAGE_SELF) }

// Children returns the user plus system CPU time used by the child
// processes that have ended and been waited for.
func Children() time.Duration { return rusage(unix.RUSAGE_CHILDREN) }

func rusage(who int) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

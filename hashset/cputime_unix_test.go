//go:build unix

package hashset

import (
	"syscall"
	"time"
)

// processCPUTime returns the user and system CPU time this process has
// used, and whether the platform can tell.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}

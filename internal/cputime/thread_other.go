//go:build !linux

package cputime

import "time"

// Thread returns 0: only Linux tells a thread's CPU time.
func Thread() time.Duration { return 0 }

//go:build !unix

package main

import "time"

// cpuTime and childCPU cannot tell CPU time on this platform: 0, so the
// CPU rates print as +Inf and only the wall-time figures mean anything.
func cpuTime() time.Duration  { return 0 }
func childCPU() time.Duration { return 0 }

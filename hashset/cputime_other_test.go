//go:build !unix

package hashset

import "time"

// processCPUTime cannot tell the CPU time here: benchmarks report wall
// time only.
func processCPUTime() (time.Duration, bool) { return 0, false }

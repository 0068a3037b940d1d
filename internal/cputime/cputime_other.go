//go:build !unix

package cputime

import "time"

// Process returns 0: this platform's CPU time is not read here.
func Process() time.Duration { return 0 }

// Children returns 0: this platform's CPU time is not read here.
func Children() time.Duration { return 0 }

//go:build !linux

package main

import (
	"errors"
	"time"
)

func dropFromPageCache(path string) error {
	return errors.New("-evict works on Linux only")
}

// cpuTime is not measured here.
func cpuTime() time.Duration { return 0 }

package cputime

import (
	"runtime"
	"testing"
)

// Burning CPU must show in the process's and the thread's CPU time.
func TestGrowsWithWork(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p0, t0 := Process(), Thread()
	if p0 == 0 {
		t.Skip("no process CPU time on this platform")
	}
	x := uint64(1)
	for i := 0; i < 50_000_000; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	if x == 0 {
		t.Log("unreachable, keeps the loop")
	}
	if Process() <= p0 {
		t.Errorf("process CPU time did not grow: %v then %v", p0, Process())
	}
	if runtime.GOOS == "linux" && Thread() <= t0 {
		t.Errorf("thread CPU time did not grow: %v then %v", t0, Thread())
	}
}

//go:build unix

package evidence

import "syscall"

// mkfifo creates a named pipe; tests that need one skip where the OS has none.
func mkfifo(path string) error { return syscall.Mkfifo(path, 0o644) }

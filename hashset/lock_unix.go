//go:build unix

package hashset

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// acquireLock takes the database's exclusive write lock (flock on the file
// "lock"), without waiting. The kernel drops the lock if the process dies,
// so a killed import never leaves the database locked.
func acquireLock(dir string) (release func() error, err error) {
	path := lockPath(dir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, lockedError(dir, strings.TrimSpace(string(holder)))
		}
		return nil, fmt.Errorf("lock database %s: %w", path, err)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() error {
		_ = f.Truncate(0)
		unlockErr := unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return errors.Join(unlockErr, f.Close())
	}, nil
}

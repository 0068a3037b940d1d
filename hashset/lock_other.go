//go:build !unix

package hashset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// acquireLock takes the database's write lock by creating the file "lock"
// exclusively. Unlike flock, the file outlives a killed process: the error
// then names the file so that the user can remove it.
func acquireLock(dir string) (release func() error, err error) {
	path := lockPath(dir)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		holder, _ := os.ReadFile(path)
		return nil, fmt.Errorf("%w (if no hashtriage process is running, remove %s)", lockedError(dir, strings.TrimSpace(string(holder))), path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	_, _ = f.WriteString(strconv.Itoa(os.Getpid()) + "\n")
	return func() error {
		return errors.Join(f.Close(), os.Remove(path))
	}, nil
}

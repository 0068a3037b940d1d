package hashset

import (
	"errors"
	"fmt"
	"path/filepath"
)

// ErrLocked is wrapped by the error returned when another process is
// changing the database.
var ErrLocked = errors.New("database is locked by another hashtriage process")

const lockFileName = "lock"

func lockPath(dir string) string { return filepath.Join(dir, lockFileName) }

func lockedError(dir, holder string) error {
	if holder != "" {
		return fmt.Errorf("%s: %w (pid %s)", dir, ErrLocked, holder)
	}
	return fmt.Errorf("%s: %w", dir, ErrLocked)
}

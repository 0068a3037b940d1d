package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// An AtomicFile is written under a temporary name beside its destination
// and renamed into place by Commit, so that a reader never sees half a
// report and a crash leaves no truncated one. Its SHA-256 is computed as
// it is written, for the sidecar.
type AtomicFile struct {
	path string
	tmp  *os.File
	bw   *bufio.Writer
	sum  hash.Hash
	done bool
}

// CreateAtomic starts writing path. Nothing exists under path until Commit.
func CreateAtomic(path string) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	a := &AtomicFile{path: path, tmp: tmp, sum: sha256.New()}
	a.bw = bufio.NewWriterSize(io.MultiWriter(tmp, a.sum), 64<<10)
	return a, nil
}

func (a *AtomicFile) Write(p []byte) (int, error) { return a.bw.Write(p) }

// Commit flushes and syncs the file, renames it into place and syncs the
// directory. It returns the SHA-256 of what was written, in hex.
func (a *AtomicFile) Commit() (string, error) {
	if a.done {
		return "", errors.New("report: file already committed or aborted")
	}
	a.done = true
	err := a.bw.Flush()
	if err == nil {
		err = a.tmp.Sync()
	}
	if cerr := a.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(a.tmp.Name(), a.path)
	}
	if err != nil {
		os.Remove(a.tmp.Name())
		return "", fmt.Errorf("write %s: %w", a.path, err)
	}
	syncDir(filepath.Dir(a.path))
	return hex.EncodeToString(a.sum.Sum(nil)), nil
}

// Abort removes the temporary file; path is left as it was.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	a.tmp.Close()
	os.Remove(a.tmp.Name())
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: some systems cannot sync directories
		d.Close()
	}
}

// SidecarPath is where the checksum of the file at path goes.
func SidecarPath(path string) string { return path + ".sha256" }

// WriteSidecar writes path.sha256 in sha256sum format ("<hex>  <name>\n"),
// naming the file by its base name so that `sha256sum -c` works in the
// directory that holds both. The sidecar itself is written atomically.
func WriteSidecar(path, sumHex string) error {
	a, err := CreateAtomic(SidecarPath(path))
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(a, "%s  %s\n", sumHex, filepath.Base(path)); err != nil {
		a.Abort()
		return err
	}
	_, err = a.Commit()
	return err
}

// CommitWithSidecar commits a and writes its sidecar, returning the sum.
func CommitWithSidecar(a *AtomicFile) (string, error) {
	sum, err := a.Commit()
	if err != nil {
		return "", err
	}
	return sum, WriteSidecar(a.path, sum)
}

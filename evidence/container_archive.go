package evidence

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/hashtriage/hashtriage/evidence/archive"
)

// sniffArchive recognises the archive and compression formats of package
// archive from their magic bytes.
func sniffArchive(head []byte) Container {
	if f := archive.Detect(head); f != "" {
		return Container{Name: string(f)}
	}
	return Container{}
}

// isArchiveContainer reports whether Expand should hand c to expandArchive.
func isArchiveContainer(c Container) bool {
	for _, f := range archive.Formats {
		if c.Name == string(f) {
			return true
		}
	}
	return false
}

// expandArchive is Expand for archives and compressed files. Each member
// becomes an item "parent!name"; directories are not items. A member that
// cannot be read (encrypted, corrupt, stopped by a limit) is an item with
// Err; an archive that cannot be read at all is one item with Err at the
// archive's own locator. Member content is valid only while fn runs (see
// package archive for where decompressed members are held).
func expandArchive(ctx context.Context, parent Item, f File, c Container, lim Limits, fn WalkFunc) error {
	opt := archive.Options{
		MaxExpanded: lim.MaxExpanded,
		MaxRatio:    lim.MaxRatio,
		Name:        innerBase(parent.Path),
	}
	var fnErr error
	err := archive.Walk(ctx, f, f.Size(), archive.Format(c.Name), opt, func(m archive.Member) error {
		if m.Dir() {
			return nil
		}
		it := Item{
			Path:  parent.Path + "!" + m.Name,
			Parts: parent.child(m.Name),
			Size:  max(m.Size, 0),
			Type:  memberType(m.Mode),
			Depth: parent.Depth + 1,
			Meta:  Metadata{Modified: m.Modified, Encrypted: m.Encrypted},
			Err:   m.Err,
		}
		if it.Err == nil && it.Type == Regular && m.Open != nil {
			open := m.Open
			it.Open = func() (File, error) { return open() }
		}
		if err := fn(it); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	switch {
	case err == nil:
		return nil
	case fnErr != nil && errors.Is(err, fnErr):
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fn(Item{
		Path:  parent.Path,
		Parts: parent.PathParts(),
		Depth: parent.Depth,
		Meta:  Metadata{Encrypted: errors.Is(err, archive.ErrEncryptedHeaders)},
		Err:   err,
	})
}

// memberType maps an archive member's type bits to an item Type.
func memberType(mode fs.FileMode) Type {
	switch {
	case mode&fs.ModeType == 0:
		return Regular
	case mode&fs.ModeSymlink != 0:
		return Symlink
	case mode&fs.ModeNamedPipe != 0:
		return FIFO
	case mode&fs.ModeSocket != 0:
		return Socket
	case mode&fs.ModeDevice != 0:
		return Device
	}
	return Other
}

// innerBase is the file name of the innermost level of a locator:
// "case/a.zip!logs/x.gz" gives "x.gz".
func innerBase(locator string) string {
	if i := strings.LastIndexByte(locator, '!'); i >= 0 {
		locator = locator[i+1:]
	}
	return path.Base(strings.ReplaceAll(locator, "\\", "/"))
}

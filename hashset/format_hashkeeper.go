package hashset

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

var formatHashKeeper = &Format{
	Name: "hashkeeper",
	Description: "HashKeeper .hsh CSV (\"file_id\",\"hashset_id\",\"file_name\",\"directory\",\"hash\",...): MD5 entries " +
		`named directory\file_name; the .hke set description beside it goes into the metadata`,
	sniff:     sniffHashKeeper,
	newReader: newHashKeeperReader,
}

var formatILook = &Format{
	Name: "ilook",
	Description: "iLook v1, v3 and v4 hash CSV (V1Hash/V3Hash/V4Hash header): MD5, SHA-1 and SHA-256 entries " +
		"named by FilePath and FileName; SHA-384/512 counted as unsupported",
	sniff:     sniffILook,
	newReader: newILookReader,
}

func init() {
	formatHashKeeper.openFile = openHashKeeper
	formatILook.openFile = openStreamFile(newILookReader)
}

func sniffHashKeeper(h *sniffed) specificity {
	hd := h.header()
	if len(hd) >= 5 && hd[0] == "file_id" && hd[1] == "hashset_id" && slices.Contains(hd, "hash") {
		return byHeader
	}
	return noMatch
}

func sniffILook(h *sniffed) specificity {
	hd := h.header()
	if len(hd) > 0 && (hd[0] == "v1hash" || hd[0] == "v3hash" || hd[0] == "v4hash") {
		return byHeader
	}
	return noMatch
}

// joinWindowsPath joins a directory and a name the way HashKeeper and iLook
// store them (backslashes); an empty directory leaves the bare name.
func joinWindowsPath(dir, name []byte) string {
	switch {
	case len(dir) == 0:
		return string(name)
	case dir[len(dir)-1] == '\\' || dir[len(dir)-1] == '/':
		return string(dir) + string(name)
	}
	return string(dir) + `\` + string(name)
}

func newHashKeeperReader(r io.Reader, name string) (Reader, error) {
	return newHeaderReader(r, name, "hashkeeper", func(t *textReader, h []string) (func([][]byte, int) error, error) {
		hash := columnIndex(h, "hash")
		if hash < 0 {
			return nil, errors.New(`HashKeeper header has no "hash" column`)
		}
		fname, dir, size, set := columnIndex(h, "file_name"), columnIndex(h, "directory"), columnIndex(h, "file_size"), columnIndex(h, "hashset_id")
		return func(f [][]byte, n int) error {
			e := newEntry(Unknown, nil, n)
			e.ID = joinWindowsPath(field(f, dir), field(f, fname))
			e.Size = parseSize(field(f, size))
			if s := field(f, set); len(s) > 0 && t.info.Metadata["hashset_id"] == "" {
				t.setMeta("hashset_id", string(s))
			}
			c := field(f, hash)
			if len(c) == 0 {
				return errors.New("record without a hash")
			}
			return t.pushDigest(e, MD5, c)
		}, nil
	}), nil
}

// openHashKeeper opens a .hsh and reads the .hke description beside it,
// if there is one, into the metadata (keys "hke.<column>").
func openHashKeeper(path string) (Reader, error) {
	r, err := openStreamFile(newHashKeeperReader)(path)
	if err != nil {
		return nil, err
	}
	base := strings.TrimSuffix(path, filepath.Ext(path))
	for _, ext := range []string{".hke", ".HKE", ".Hke"} {
		meta, err := readHKE(base + ext)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		t := r.(*closingReader).Reader.(*textReader)
		if err != nil {
			t.setMeta("hke.error", err.Error())
			break
		}
		for k, v := range meta {
			t.setMeta("hke."+k, v)
		}
		t.setMeta("hke.file", filepath.Base(base+ext))
		break
	}
	return r, nil
}

// readHKE reads a HashKeeper set description: a header line and one row.
func readHKE(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, err
	}
	lines := bytes.Split(bytes.ReplaceAll(bytes.TrimPrefix(b, utf8BOM), []byte("\r\n"), []byte("\n")), []byte("\n"))
	if len(lines) < 2 {
		return nil, fmt.Errorf("%s: expected a header and a row", path)
	}
	names := headerNames(lines[0], ',')
	vals := splitCSV(lines[1], ',', 0, nil)
	m := make(map[string]string, len(names))
	for i, n := range names {
		if i < len(vals) && n != "" {
			m[n] = strings.TrimSpace(string(vals[i]))
		}
	}
	return m, nil
}

func newILookReader(r io.Reader, name string) (Reader, error) {
	return newHeaderReader(r, name, "ilook", func(t *textReader, h []string) (func([][]byte, int) error, error) {
		if len(h) == 0 || len(h[0]) != 6 || !strings.HasSuffix(h[0], "hash") || h[0][0] != 'v' {
			return nil, errors.New("iLook header must start with V1Hash, V3Hash or V4Hash")
		}
		t.info.FormatVersion = h[0][1:2]
		const first = 0
		sha1, sha256 := columnIndex(h, "hashsha1"), columnIndex(h, "hashsha256")
		sha384, sha512 := columnIndex(h, "hashsha384"), columnIndex(h, "hashsha512")
		fname, fpath, size := columnIndex(h, "filename"), columnIndex(h, "filepath"), columnIndex(h, "filesize")
		return func(f [][]byte, n int) error {
			e := newEntry(Unknown, nil, n)
			e.ID = joinWindowsPath(field(f, fpath), field(f, fname))
			e.Size = parseSize(field(f, size))
			for _, c := range []int{sha384, sha512} {
				if len(field(f, c)) > 0 {
					t.unsupported(h[c][4:])
				}
			}
			var errs []error
			// The first column (V1Hash, V3Hash, V4Hash) is MD5 in practice;
			// its length decides, so a SHA-1 there is read as SHA-1.
			if h0 := field(f, first); len(h0) > 0 {
				if a := hexAlgorithm(len(h0)); a != Unknown {
					errs = append(errs, t.pushDigest(e, a, h0))
				} else {
					errs = append(errs, fmt.Errorf("hash %s fits no supported algorithm", quoteShort(h0)))
				}
			}
			errs = append(errs, t.pushDigest(e, SHA1, field(f, sha1)), t.pushDigest(e, SHA256, field(f, sha256)))
			return errors.Join(errs...)
		}, nil
	}), nil
}

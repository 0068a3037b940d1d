package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fixtureContent regenerates the content testdata/make-fixtures.sh puts in
// the archives, so that the tests check decompressed bytes against an
// independent source.
func fixtureContent(name string) []byte {
	switch name {
	case "hello.txt":
		return []byte("hello, hashtriage\n")
	case "dir/numbers.txt":
		var b bytes.Buffer
		for i := 1; i <= 3000; i++ {
			fmt.Fprintf(&b, "%d\n", i)
		}
		return b.Bytes()
	case "dir/sub/fox.txt":
		return bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog.\n"), 500)
	case "stored.txt":
		return []byte("stored, not compressed\n")
	}
	panic("no fixture content " + name)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// got is what a walk saw of one member.
type got struct {
	name      string
	size      int64
	mode      fs.FileMode
	modified  time.Time
	encrypted bool
	err       error
	sha256    string // of the content read sequentially, "" if not readable
	readErr   error  // error of the sequential read
}

func walkFile(t *testing.T, name string, opt Options) ([]got, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if opt.Name == "" {
		opt.Name = name
	}
	return walkBytes(t, data, opt)
}

func walkBytes(t *testing.T, data []byte, opt Options) ([]got, error) {
	t.Helper()
	var out []got
	f := Detect(data)
	if f == "" {
		t.Fatalf("Detect found no format")
	}
	err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), f, opt, func(m Member) error {
		g := got{name: m.Name, size: m.Size, mode: m.Mode, modified: m.Modified, encrypted: m.Encrypted, err: m.Err}
		if m.Open != nil {
			if m.Err != nil {
				t.Errorf("%s: member has both Err and Open", m.Name)
			}
			mf, err := m.Open()
			if err != nil { // ZIP members decompress on Open
				g.err = err
				out = append(out, g)
				return nil
			}
			content, rerr := io.ReadAll(mf)
			g.readErr = rerr
			if rerr == nil {
				g.sha256 = sha(content)
				if int64(len(content)) != mf.Size() || mf.Size() != m.Size {
					t.Errorf("%s: read %d bytes, File.Size %d, Member.Size %d", m.Name, len(content), mf.Size(), m.Size)
				}
				// ReadAt must give the same bytes as Read.
				if len(content) > 0 {
					p := make([]byte, len(content)/2+1)
					off := int64(len(content)) - int64(len(p))
					if n, err := mf.ReadAt(p, off); n != len(p) || (err != nil && err != io.EOF) || !bytes.Equal(p, content[off:]) {
						t.Errorf("%s: ReadAt(%d) = %d, %v; differs from Read", m.Name, off, n, err)
					}
				}
			}
			mf.Close()
		}
		out = append(out, g)
		return nil
	})
	return out, err
}

var fixtureTime = time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)

type wantMember struct {
	name    string
	content string // fixtureContent key; "" for none
	mode    fs.FileMode
}

func TestWalkFormats(t *testing.T) {
	treeDirs := []wantMember{
		{name: "hello.txt", content: "hello.txt"},
		{name: "dir/", mode: fs.ModeDir},
		{name: "dir/numbers.txt", content: "dir/numbers.txt"},
		{name: "dir/sub/", mode: fs.ModeDir},
		{name: "dir/sub/fox.txt", content: "dir/sub/fox.txt"},
	}
	zipMembers := []wantMember{
		{name: "hello.txt", content: "hello.txt"},
		{name: "dir/", mode: fs.ModeDir},
		{name: "dir/numbers.txt", content: "dir/numbers.txt"},
		{name: "dir/sub/", mode: fs.ModeDir},
		{name: "dir/sub/fox.txt", content: "dir/sub/fox.txt"},
		{name: "stored.txt", content: "stored.txt"},
	}
	sevenZip := []wantMember{
		{name: "dir/", mode: fs.ModeDir},
		{name: "dir/sub/", mode: fs.ModeDir},
		{name: "dir/numbers.txt", content: "dir/numbers.txt"},
		{name: "dir/sub/fox.txt", content: "dir/sub/fox.txt"},
		{name: "hello.txt", content: "hello.txt"},
	}
	rarMembers := []wantMember{
		{name: "hello.txt", content: "hello.txt"},
		{name: "dir/numbers.txt", content: "dir/numbers.txt"},
	}
	tests := []struct {
		file      string
		format    Format
		members   []wantMember
		wantMTime bool
	}{
		{"sample.zip", Zip, zipMembers, true},
		{"sample.tar", Tar, treeDirs, true},
		{"v7.tar", Tar, []wantMember{{name: "hello.txt", content: "hello.txt"}, {name: "dir/numbers.txt", content: "dir/numbers.txt"}}, true},
		{"sample.tar.gz", Gzip, treeDirs, true},
		{"sample.tar.bz2", Bzip2, treeDirs, true},
		{"sample.tar.xz", XZ, treeDirs, true},
		{"hello.txt.gz", Gzip, []wantMember{{name: "hello.txt", content: "hello.txt"}}, true},
		{"numbers.txt.gz", Gzip, []wantMember{{name: "numbers.txt", content: "dir/numbers.txt"}}, false},
		{"hello.txt.bz2", Bzip2, []wantMember{{name: "hello.txt", content: "hello.txt"}}, false},
		{"hello.txt.xz", XZ, []wantMember{{name: "hello.txt", content: "hello.txt"}}, false},
		{"sample.7z", SevenZip, sevenZip, true},
		{"rar4.rar", RAR, rarMembers, true},
		{"rar5.rar", RAR, rarMembers, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if f := Detect(data[:min(len(data), HeadSize)]); f != tt.format {
				t.Fatalf("Detect = %q, want %q", f, tt.format)
			}
			gots, err := walkFile(t, tt.file, Options{})
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			// Archive order depends on the tool (readdir order): compare by name.
			slices.SortFunc(gots, func(a, b got) int { return strings.Compare(a.name, b.name) })
			tt.members = slices.Clone(tt.members)
			slices.SortFunc(tt.members, func(a, b wantMember) int { return strings.Compare(a.name, b.name) })
			var names []string
			for _, g := range gots {
				names = append(names, g.name)
			}
			if len(gots) != len(tt.members) {
				t.Fatalf("members %q, want %d", names, len(tt.members))
			}
			for i, w := range tt.members {
				g := gots[i]
				if g.name != w.name || g.mode != w.mode {
					t.Errorf("member %d = %q mode %v, want %q mode %v", i, g.name, g.mode, w.name, w.mode)
				}
				if g.err != nil || g.readErr != nil {
					t.Errorf("%s: Err %v, read error %v", g.name, g.err, g.readErr)
				}
				if w.content == "" {
					continue
				}
				want := fixtureContent(w.content)
				if g.size != int64(len(want)) || g.sha256 != sha(want) {
					t.Errorf("%s: size %d sha256 %s, want %d %s", g.name, g.size, g.sha256, len(want), sha(want))
				}
				// ZIP and RAR 4 keep MS-DOS times: 2-second steps, rounded either way.
				if d := g.modified.Sub(fixtureTime); tt.wantMTime && (d < -time.Second || d > time.Second) {
					t.Errorf("%s: modified %v, want %v", g.name, g.modified, fixtureTime)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tarBlock := func(magic string, corrupt bool) []byte {
		b := make([]byte, 1024)
		copy(b, "file.txt")
		copy(b[100:], "0000644\x00")
		copy(b[124:], "00000000012\x00")
		copy(b[257:], magic)
		copy(b[148:], "        ")
		var sum int
		for _, c := range b[:512] {
			sum += int(c)
		}
		if corrupt {
			sum++
		}
		copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
		return b
	}
	tests := []struct {
		name string
		head []byte
		want Format
	}{
		{"zip", []byte("PK\x03\x04rest"), Zip},
		{"empty zip", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), Zip},
		{"gzip", []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3}, Gzip},
		{"gzip, OS unknown", []byte{0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 2, 255}, Gzip},
		{"gzip magic, reserved flags set", []byte{0x1f, 0x8b, 0x08, 0x80, 0, 0, 0, 0, 0, 3}, ""},
		{"gzip magic, undefined OS", []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 77}, ""},
		{"gzip magic, too short for a header", []byte{0x1f, 0x8b, 0x08, 0}, ""},
		{"gzip unknown method", []byte{0x1f, 0x8b, 0x07, 0}, ""},
		{"bzip2", append([]byte("BZh9"), 0x31, 0x41, 0x59, 0x26, 0x53, 0x59), Bzip2},
		{"bzip2 empty", append([]byte("BZh9"), 0x17, 0x72, 0x45, 0x38, 0x50, 0x90), Bzip2},
		{"text starting BZh", []byte("BZh9 is not a stream"), ""},
		{"xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0}, XZ},
		{"7z", []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4}, SevenZip},
		{"rar4", []byte("Rar!\x1a\x07\x00"), RAR},
		{"rar5", []byte("Rar!\x1a\x07\x01\x00"), RAR},
		{"ustar", tarBlock("ustar\x0000", false), Tar},
		{"gnu tar", tarBlock("ustar  \x00", false), Tar},
		{"v7 tar", tarBlock("", false), Tar},
		{"v7 tar bad checksum", tarBlock("", true), ""},
		{"ustar bad checksum", tarBlock("ustar\x0000", true), ""},
		{"zeros", make([]byte, 1024), ""},
		{"text", []byte("just some text"), ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.head); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMemberName(t *testing.T) {
	tests := []struct {
		archive string
		f       Format
		want    string
	}{
		{"x/report.pdf.gz", Gzip, "report.pdf"},
		{"backup.tgz", Gzip, "backup.tar"},
		{"a.TAR.BZ2", Bzip2, "a.TAR"},
		{"a.tbz2", Bzip2, "a.tar"},
		{"log.xz", XZ, "log"},
		{"noext", Gzip, "-"},
		{".gz", Gzip, "-"},
		{"", XZ, "-"},
	}
	for _, tt := range tests {
		if got := memberName(tt.archive, tt.f); got != tt.want {
			t.Errorf("memberName(%q, %s) = %q, want %q", tt.archive, tt.f, got, tt.want)
		}
	}
}

func TestEncrypted(t *testing.T) {
	tests := []struct {
		file         string
		encrypted    []string // members reported encrypted
		readable     []string // members read normally
		archiveLevel bool     // the whole archive is unreadable (encrypted headers)
	}{
		{file: "encrypted.zip", encrypted: []string{"hello.txt"}, readable: []string{"dir/numbers.txt"}},
		{file: "encrypted.7z", encrypted: []string{"hello.txt"}},
		{file: "encrypted-headers.7z", archiveLevel: true},
		{file: "rar5-encrypted.rar", encrypted: []string{"hello.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			gots, err := walkFile(t, tt.file, Options{})
			if tt.archiveLevel {
				if !errors.Is(err, ErrEncryptedHeaders) {
					t.Fatalf("Walk error %v, want ErrEncryptedHeaders", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]got{}
			for _, g := range gots {
				byName[g.name] = g
			}
			for _, n := range tt.encrypted {
				g, ok := byName[n]
				if !ok || !g.encrypted || !errors.Is(g.err, ErrEncrypted) || g.sha256 != "" {
					t.Errorf("%s: %+v, want encrypted with ErrEncrypted and no content", n, g)
				}
			}
			for _, n := range tt.readable {
				g := byName[n]
				if g.err != nil || g.sha256 != sha(fixtureContent(n)) {
					t.Errorf("%s: err %v sha %s, want readable", n, g.err, g.sha256)
				}
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	t.Run("zip CRC", func(t *testing.T) {
		gots, err := walkFile(t, "corrupt.zip", Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gots {
			switch g.name {
			case "stored.txt": // read in place: the Read that reaches EOF fails
				if g.readErr == nil || !strings.Contains(g.readErr.Error(), "checksum") {
					t.Errorf("stored.txt: read error %v, want checksum error", g.readErr)
				}
			case "dir/numbers.txt": // deflated: decompression or CRC fails, member has Err
				if g.err == nil || !strings.Contains(g.err.Error(), "dir/numbers.txt") {
					t.Errorf("dir/numbers.txt: Err %v, want an error naming the member", g.err)
				}
			case "hello.txt", "dir/sub/fox.txt":
				if g.err != nil || g.sha256 != sha(fixtureContent(g.name)) {
					t.Errorf("%s: damaged although untouched: %v", g.name, g.err)
				}
			}
		}
	})
	t.Run("truncated tar.gz", func(t *testing.T) {
		gots, err := walkFile(t, "truncated.tar.gz", Options{})
		if err != nil {
			t.Fatalf("Walk: %v (a member with Err was expected instead)", err)
		}
		last := gots[len(gots)-1]
		if last.err == nil || !strings.Contains(last.err.Error(), "rest of archive not examined") {
			t.Errorf("last member %q: Err %v, want a read error", last.name, last.err)
		}
		if gots[0].name != "hello.txt" || gots[0].sha256 != sha(fixtureContent("hello.txt")) {
			t.Errorf("first member %+v, want hello.txt intact", gots[0])
		}
	})
	t.Run("not an archive", func(t *testing.T) {
		// Garbage handed over as each format must fail loudly: an error
		// from Walk, or members that carry Err; never a silent success.
		data := []byte("this is not an archive of any kind, just text that is long enough")
		for _, f := range Formats {
			var errs, members int
			err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), f, Options{}, func(m Member) error {
				members++
				if m.Err != nil {
					errs++
				}
				return nil
			})
			if err == nil && (members == 0 || errs == 0) {
				t.Errorf("%s: garbage walked without any error (%d members)", f, members)
			}
		}
	})
	t.Run("flipped byte in stored member", func(t *testing.T) {
		// Each archive records a CRC of the member; a damaged stored member
		// must not be handed over as if it were intact.
		for _, file := range []string{"stored.7z", "rar5.rar", "rar4.rar", "sample.tar"} {
			data, err := os.ReadFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			i := bytes.Index(data, fixtureContent("hello.txt"))
			if i < 0 {
				t.Fatalf("%s: hello.txt content not stored verbatim", file)
			}
			data[i+3] ^= 0x20
			gots, err := walkBytes(t, data, Options{})
			if err != nil {
				t.Fatalf("%s: Walk: %v", file, err)
			}
			for _, g := range gots {
				if g.name != "hello.txt" {
					continue
				}
				failed := g.err != nil || g.readErr != nil
				if file == "sample.tar" { // TAR has no data checksum: the bytes are what they are
					if failed || g.sha256 == sha(fixtureContent("hello.txt")) {
						t.Errorf("%s: %+v, want the damaged bytes read as they are", file, g)
					}
					continue
				}
				if !failed {
					t.Errorf("%s: damaged hello.txt read without error (sha %s)", file, g.sha256)
				}
			}
		}
	})
	t.Run("truncated zip", func(t *testing.T) {
		data, _ := os.ReadFile("testdata/sample.zip")
		_, err := walkBytes(t, data[:len(data)/2], Options{})
		if err == nil || !strings.Contains(err.Error(), "zip") {
			t.Errorf("Walk of half a zip: %v, want an archive-level zip error", err)
		}
	})
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		opt         Options
		limit       string // Limit of the LimitError expected
		memberLevel bool   // the limit skips members rather than ending the walk
		maxMembers  int    // at most this many members expanded
	}{
		// 10 MiB of zeros deflate to ~10 KB: ratio ~1030:1 > 1000.
		{name: "zip bomb, member ratio", file: "bomb.zip", opt: Options{}, limit: LimitRatio, memberLevel: true, maxMembers: 1},
		// 300 entries sharing one 1 MiB member: ~300 MiB from ~30 KB.
		{name: "overlapping zip bomb, archive ratio", file: "overlap.zip", opt: Options{}, limit: LimitRatio, maxMembers: 60},
		{name: "overlapping zip bomb, total bytes", file: "overlap.zip", opt: Options{MaxExpanded: 5 << 20, MaxRatio: -1}, limit: LimitExpanded, maxMembers: 6},
		{name: "tar.gz total bytes", file: "sample.tar.gz", opt: Options{MaxExpanded: 5000}, limit: LimitExpanded, maxMembers: 3},
		{name: "tar total bytes in place", file: "sample.tar", opt: Options{MaxExpanded: 1000}, limit: LimitExpanded, maxMembers: 3},
		{name: "7z ratio", file: "sample.7z", opt: Options{MaxRatio: 2}, limit: LimitRatio, maxMembers: 5},
		{name: "xz dictionary", file: "sample.tar.xz", opt: Options{MaxDictionary: 1 << 20}, limit: LimitDict},
		{name: "rar total bytes", file: "rar5.rar", opt: Options{MaxExpanded: 100}, limit: LimitExpanded, maxMembers: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gots, err := walkFile(t, tt.file, tt.opt)
			var le *LimitError
			var hits, expanded int
			firstHit := -1
			if errors.As(err, &le) {
				hits++
			} else if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			for i, g := range gots {
				var gle *LimitError
				if errors.As(g.err, &gle) {
					hits++
					le = gle
					if gle.Member != g.name {
						t.Errorf("LimitError names member %q, item is %q", gle.Member, g.name)
					}
					if !tt.memberLevel && firstHit < 0 {
						firstHit = i
					}
				}
				// After an archive-wide limit nothing more is expanded:
				// streams stop, ZIP members fail to open.
				if firstHit >= 0 && i > firstHit && g.sha256 != "" {
					t.Errorf("member %d (%s) expanded after the archive-wide limit hit at member %d", i, g.name, firstHit)
				}
				if g.sha256 != "" {
					expanded++
				}
			}
			if le == nil {
				t.Fatalf("no limit hit; members %d", len(gots))
			}
			if le.Limit != tt.limit {
				t.Errorf("limit %q hit, want %q: %v", le.Limit, tt.limit, le)
			}
			if tt.maxMembers > 0 && expanded > tt.maxMembers {
				t.Errorf("%d members expanded, want at most %d", expanded, tt.maxMembers)
			}
			t.Logf("%s", le)
			if !strings.Contains(le.Error(), tt.limit) {
				t.Errorf("error text %q does not name the limit", le.Error())
			}
		})
	}
}

func TestNested(t *testing.T) {
	// The 7z holds inner.zip; its File must serve as the ReaderAt of a
	// second walk, the way the scan expands nested containers.
	data, err := os.ReadFile("testdata/nested.7z")
	if err != nil {
		t.Fatal(err)
	}
	var inner []string
	err = Walk(context.Background(), bytes.NewReader(data), int64(len(data)), SevenZip, Options{}, func(m Member) error {
		if m.Name != "inner.zip" {
			return fmt.Errorf("unexpected member %q", m.Name)
		}
		f, err := m.Open()
		if err != nil {
			return err
		}
		head := make([]byte, HeadSize)
		n, _ := f.ReadAt(head, 0)
		if Detect(head[:n]) != Zip {
			return fmt.Errorf("inner.zip not detected as zip")
		}
		return Walk(context.Background(), f, f.Size(), Zip, Options{}, func(m Member) error {
			rc, err := m.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			if err != nil {
				return err
			}
			if !bytes.Equal(b, fixtureContent(m.Name)) {
				return fmt.Errorf("%s: content differs", m.Name)
			}
			inner = append(inner, m.Name)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(inner, ",") != "dir/numbers.txt,hello.txt" {
		t.Errorf("inner members %q", inner)
	}
}

func TestSpoolToTempFile(t *testing.T) {
	// A memory limit smaller than the members forces the temp-file path.
	dir := t.TempDir()
	gots, err := walkFile(t, "sample.tar.gz", Options{MemoryLimit: 1000, TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gots {
		if g.mode == 0 && (g.err != nil || g.sha256 != sha(fixtureContent(g.name))) {
			t.Errorf("%s: %v, content %s", g.name, g.err, g.sha256)
		}
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("temp files left behind: %v", left)
	}
}

func TestReleasedAfterCallback(t *testing.T) {
	data, _ := os.ReadFile("testdata/sample.tar.gz")
	var kept File
	err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), Gzip, Options{}, func(m Member) error {
		if m.Open != nil && kept == nil {
			kept, _ = m.Open()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kept.ReadAt(make([]byte, 1), 0); !errors.Is(err, errReleased) {
		t.Errorf("read after the callback returned: %v, want errReleased", err)
	}
}

func TestCallbackErrorAndCancel(t *testing.T) {
	data, _ := os.ReadFile("testdata/sample.zip")
	stop := errors.New("stop here")
	n := 0
	err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), Zip, Options{}, func(m Member) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("Walk = %v after %d members, want the callback's error after 1", err, n)
	}

	for _, file := range []string{"sample.zip", "sample.tar.gz", "sample.7z", "rar5.rar", "sample.tar"} {
		data, _ := os.ReadFile(filepath.Join("testdata", file))
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := Walk(ctx, bytes.NewReader(data), int64(len(data)), Detect(data), Options{}, func(m Member) error {
			n++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || n != 1 {
			t.Errorf("%s: Walk = %v after %d members, want context.Canceled after 1", file, err, n)
		}
	}
}

func TestZipOpenAfterWalkInParallel(t *testing.T) {
	// The scan hands ZIP members to other workers: Open must work after
	// the callback returned, from several goroutines, and the limits must
	// still hold.
	data, _ := os.ReadFile("testdata/overlap.zip")
	var opens []func() (File, error)
	err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), Zip, Options{MaxExpanded: 20 << 20, MaxRatio: -1}, func(m Member) error {
		opens = append(opens, m.Open)
		return nil
	})
	if err != nil || len(opens) != 300 {
		t.Fatalf("Walk: %v, %d members", err, len(opens))
	}
	want := sha(bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog.\n"), 1<<20/45+1)[:1<<20])
	type result struct {
		sum string
		err error
	}
	results := make(chan result, len(opens))
	sem := make(chan struct{}, 4)
	for _, open := range opens[:40] {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f, err := open()
			if err != nil {
				results <- result{err: err}
				return
			}
			defer f.Close()
			b, err := io.ReadAll(f)
			results <- result{sum: sha(b), err: err}
		}()
	}
	var ok, limited int
	for range 40 {
		r := <-results
		var le *LimitError
		switch {
		case r.err == nil && r.sum == want:
			ok++
		case errors.As(r.err, &le) && le.Limit == LimitExpanded:
			limited++
		default:
			t.Errorf("unexpected result %+v", r)
		}
	}
	// 20 MiB allow at most 20 whole 1 MiB members.
	if ok > 20 || ok < 15 || ok+limited != 40 {
		t.Errorf("%d members read, %d stopped by the limit; want at most 20 read and the rest stopped", ok, limited)
	}
}

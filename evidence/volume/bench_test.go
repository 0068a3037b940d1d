package volume

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchImage builds (once per process) a volume image holding one 192 MiB
// random file with the Debian tools, or skips when they are missing.
func benchImage(b *testing.B, fs string) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "hashtriage-volume-bench")
	img := filepath.Join(dir, fs+".img")
	if _, err := os.Stat(img); err == nil {
		return img
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "src", "big.bin")
	if _, err := os.Stat(src); err != nil {
		buf := make([]byte, 192<<20)
		rand.Read(buf)
		if err := os.WriteFile(src, buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	var cmds [][]string
	switch fs {
	case "ext4":
		cmds = [][]string{{"mke2fs", "-q", "-t", "ext4", "-d", filepath.Join(dir, "src"), img, "256M"}}
	case "ntfs":
		cmds = [][]string{{"truncate", "-s", "256M", img}, {"mkntfs", "-q", "-F", "-Q", img}, {"ntfscp", "-q", img, src, "big.bin"}}
	case "fat32":
		cmds = [][]string{{"mkfs.vfat", "-C", "-F", "32", img, "262144"}, {"mcopy", "-i", img, src, "::/big.bin"}}
	}
	for _, c := range cmds {
		if _, err := exec.LookPath(c[0]); err != nil {
			b.Skipf("%s not installed", c[0])
		}
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			os.Remove(img)
			b.Fatalf("%v: %v\n%s", c, err, out)
		}
	}
	return img
}

// BenchmarkRead reads the 192 MiB file through the volume layers
// (partition-free image → file system → extent reader) and, as its peer,
// the same number of bytes straight from the image file, both with 1 MiB
// reads as the scanner's hashing does.
func BenchmarkRead(b *testing.B) {
	for _, fs := range []string{"ext4", "ntfs", "fat32"} {
		img := benchImage(b, fs)
		raw, err := OpenRaw(img)
		if err != nil {
			b.Fatal(err)
		}
		var file Entry
		Walk(context.Background(), raw, raw.Size(), func(e Entry) error {
			if filepath.Base(e.Path) == "big.bin" && e.Err == nil {
				file = e
			}
			return nil
		})
		if file.Size != 192<<20 {
			b.Fatalf("%s: big.bin not found", fs)
		}
		buf := make([]byte, 1<<20)
		b.Run(fs+"/volume", func(b *testing.B) {
			b.SetBytes(file.Size)
			for i := 0; i < b.N; i++ {
				f, err := file.Open()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{f}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fs+"/raw-peer", func(b *testing.B) {
			b.SetBytes(file.Size)
			for i := 0; i < b.N; i++ {
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{io.NewSectionReader(raw, 0, file.Size)}, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		raw.Close()
	}
}

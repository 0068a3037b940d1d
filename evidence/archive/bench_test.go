package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// benchMembers makes n members of size bytes each, half text-like and half
// random, so that compression does some work.
func benchMembers(n, size int) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, size)
		if i%2 == 0 {
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
		} else {
			for j := 0; j < size; j += 64 {
				copy(b[j:], fmt.Sprintf("line %d of member %d, some repeated text\n", j, i))
			}
		}
		out[i] = b
	}
	return out
}

func benchTarGz(members [][]byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for i, m := range members {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("m%03d", i), Mode: 0o644, Size: int64(len(m)), Typeflag: tar.TypeReg})
		tw.Write(m)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func benchZip(members [][]byte, method uint16) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, m := range members {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("m%03d", i), Method: method})
		w.Write(m)
	}
	zw.Close()
	return buf.Bytes()
}

// walkHash walks data and hashes every member, as the scan would.
func walkHash(b *testing.B, data []byte, f Format) {
	err := Walk(context.Background(), bytes.NewReader(data), int64(len(data)), f, Options{}, func(m Member) error {
		if m.Err != nil {
			return m.Err
		}
		if m.Open == nil {
			return nil
		}
		mf, err := m.Open()
		if err != nil {
			return err
		}
		h := sha256.New()
		_, err = io.Copy(h, mf)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkWalk compares walking and hashing members with the floor: the
// same decompression and hashing of the raw stream, with no archive
// handling. Run: go test -run='^$' -bench=Walk -benchtime=5x ./evidence/archive
func BenchmarkWalk(b *testing.B) {
	members := benchMembers(64, 1<<20) // 64 MiB
	var total int64
	for _, m := range members {
		total += int64(len(m))
	}
	tgz := benchTarGz(members)
	stored := benchZip(members, zip.Store)
	deflated := benchZip(members, zip.Deflate)

	b.Run("tar.gz/floor-gunzip+sha256", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			zr, _ := gzip.NewReader(bytes.NewReader(tgz))
			h := sha256.New()
			io.Copy(h, zr)
		}
	})
	b.Run("tar.gz/walk", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			walkHash(b, tgz, Gzip)
		}
	})
	b.Run("zip-deflate/floor-inflate+sha256", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			zr, _ := zip.NewReader(bytes.NewReader(deflated), int64(len(deflated)))
			for _, f := range zr.File {
				rc, _ := f.Open()
				h := sha256.New()
				io.Copy(h, rc)
				rc.Close()
			}
		}
	})
	b.Run("zip-deflate/walk", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			walkHash(b, deflated, Zip)
		}
	})
	b.Run("zip-store/floor-sha256", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			h := sha256.New()
			h.Write(stored)
		}
	})
	b.Run("zip-store/walk", func(b *testing.B) {
		b.SetBytes(total)
		for b.Loop() {
			walkHash(b, stored, Zip)
		}
	})
}

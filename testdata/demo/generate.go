//go:build ignore

// generate writes the demo evidence folder and the hash lists that go with
// it. Everything is harmless and made here: a few text files, two small
// generated PNG pictures, a nested folder.
//
//	go run testdata/demo/generate.go   (from the repository root)
package main

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"os"
	"path/filepath"
)

const dir = "testdata/demo"

func main() {
	files := map[string][]byte{
		"evidence/readme.txt":                    []byte("Demo evidence for hashtriage. Nothing here is real.\n"),
		"evidence/notes/meeting.txt":             []byte("Tuesday 10:00 - quarterly planning.\n"),
		"evidence/notes/empty.txt":               nil,
		"evidence/pictures/red-square.png":       picture(color.RGBA{200, 30, 30, 255}, false),
		"evidence/pictures/blue-circle.png":      picture(color.RGBA{30, 60, 200, 255}, true),
		"evidence/nested/deeper/invoice.csv":     []byte("item,amount\nwidget,3.50\n"),
		"evidence/nested/deeper/copy-of-red.png": picture(color.RGBA{200, 30, 30, 255}, false),
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	// list.txt: an md5sum list, the "alert" set of the demo. It names the
	// red square (found twice: once under another name) and the invoice.
	list := md5line(files, "evidence/pictures/red-square.png", "red-square.png") +
		md5line(files, "evidence/nested/deeper/invoice.csv", "invoice.csv")
	// known.txt: an md5sum list of "known" files (as NSRL would be): the
	// readme is counted as known and not reported.
	known := md5line(files, "evidence/readme.txt", "readme.txt")
	must(os.WriteFile(filepath.Join(dir, "list.txt"), []byte(list), 0o644))
	must(os.WriteFile(filepath.Join(dir, "known.txt"), []byte(known), 0o644))
}

func md5line(files map[string][]byte, name, id string) string {
	return fmt.Sprintf("%x  %s\n", md5.Sum(files[name]), id)
}

// picture draws a 32x32 square or circle on white.
func picture(c color.RGBA, circle bool) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 32; x++ {
			dx, dy := x-16, y-16
			in := x >= 6 && x < 26 && y >= 6 && y < 26
			if circle {
				in = dx*dx+dy*dy <= 100
			}
			if in {
				img.Set(x, y, c)
			} else {
				img.Set(x, y, color.White)
			}
		}
	}
	var b bytes.Buffer
	must(png.Encode(&b, img))
	return b.Bytes()
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

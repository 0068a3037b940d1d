package main

import (
	"strings"
	"testing"
	"time"
)

// TestErrorRecordMetadata: the error record of a file inside the corrupt
// E01 fixture (a bad chunk in docs/big-log.txt) carries the file's
// file-system metadata, as its match record would: file system, entry
// number and times.
func TestErrorRecordMetadata(t *testing.T) {
	db := e2eDB(t, "alert.md5")
	image := gunzipTo(t, t.TempDir(), "corrupt.E01")
	r := e2eScan(t, db, image)
	var found bool
	for _, e := range r.errors {
		if e.Path != image+"!p1/docs/big-log.txt" {
			continue
		}
		found = true
		if !strings.HasPrefix(e.FileSystem, "fat") || e.Inode == 0 {
			t.Errorf("error record %s: want file_system fat… and the entry number", e.raw)
		}
		for name, v := range map[string]string{"modified": e.Modified, "accessed": e.Accessed, "created": e.Created} {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				t.Errorf("error record %s: %s %q: %v", e.raw, name, v, err)
			}
		}
	}
	if !found {
		t.Fatalf("no error record for the corrupt file; errors:\n%s", rawLines(r.errors))
	}
	// The match records of the intact files carry the same fields.
	for _, m := range r.matches {
		if strings.HasPrefix(m.Path, image+"!p1/") && (m.FileSystem == "" || m.Modified == "" || m.Accessed == "") {
			t.Errorf("match record %s lacks file-system metadata", m.raw)
		}
	}
}

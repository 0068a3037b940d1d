package hashset

import (
	"context"
	"os"
	"testing"
)

// TestProfileImport imports $HASHTRIAGE_PROFILE_LIST (for profiling with
// -cpuprofile); skipped unless set.
func TestProfileImport(t *testing.T) {
	list := os.Getenv("HASHTRIAGE_PROFILE_LIST")
	if list == "" {
		t.Skip("HASHTRIAGE_PROFILE_LIST not set")
	}
	db, err := Create(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ImportFile(context.Background(), list, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

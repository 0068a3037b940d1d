package ewf_test

import (
	"os/exec"
	"testing"
)

func lookPath(name string) (string, error) { return exec.LookPath(name) }

// run runs a command and returns its combined output; a non-zero exit is
// not an error here (ewfverify exits 1 on a corrupt image).
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), err
}

// Command hashtriage loads vetted hash lists into a set database and scans
// storage for the items they name, reporting only the matches.
//
// Usage:
//
//	hashtriage sets import [--db DIR] [--name NAME] [--kind alert|known] [--format auto|FORMAT] [--skip-invalid] FILE...
//	hashtriage sets list   [--db DIR] [--json]
//	hashtriage sets lookup [--db DIR] HASH...
//	hashtriage sets remove [--db DIR] NAME...
//	hashtriage sets verify [--db DIR]
//	hashtriage scan  [--db DIR] [--report FILE] [--format jsonl|csv|text] PATH...
//	hashtriage hash  [--algo md5,sha1,...] [--format csv|jsonl|hashdeep] PATH...
//	hashtriage version
//
// The database directory is --db, else $HASHTRIAGE_DB, else "hashtriage" in
// the user data directory. See docs/DESIGN.md for the exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses of the commands other than scan (docs/DESIGN.md).
const (
	exitOK      = 0
	exitNoMatch = 1 // sets lookup: no argument matched
	exitFailure = 3
)

// exitStatus is an error carrying an exit status. With a nil err it prints
// nothing: the command has already said everything (sets lookup, no match).
type exitStatus struct {
	code int
	err  error
}

func (e *exitStatus) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitStatus) Unwrap() error { return e.err }
func (e *exitStatus) ExitCode() int { return e.code }

// newRootCmd builds the command tree. Each command lives in its own file
// and is registered here.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "hashtriage",
		Short: "Known-material hash matching for forensic triage",
		Long: `hashtriage loads vetted hash lists (NCMEC, Project VIC / VICS, CAID, NSRL,
hashdeep and md5sum lists, PDQ lists, ...) into a local set database, then
scans seized storage and reports only the items that match a list, so that
nobody has to open or view a file to triage a drive.`,
		Version:       versionLine(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(
		newSetsCmd(),    // sets.go
		newScanCmd(),    // scan.go
		newHashCmd(),    // hash.go
		newVersionCmd(), // version.go
	)
	return root
}

// execute runs the command line args and returns the exit status. An error
// is printed on stderr unless it carries an exit status and nothing else.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitFailure
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		code = ec.ExitCode()
		if errors.Unwrap(err) == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "hashtriage: %v\n", err)
	return code
}

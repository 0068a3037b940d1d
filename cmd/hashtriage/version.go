package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=1.2.3"; otherwise the module version or "devel".
var version = ""

// buildInfo is what the binary knows about its own build.
type buildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`   // VCS revision
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	Time      string `json:"commit_time,omitempty"`
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Time = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

// commitID is the VCS revision, with "+modified" if the tree had
// uncommitted changes; "" if the build carries no VCS information.
func (b buildInfo) commitID() string {
	if b.Commit != "" && b.Modified {
		return b.Commit + "+modified"
	}
	return b.Commit
}

// versionLine is the one-line version: "hashtriage 1.2.3 (commit abc123, go1.26.8 linux/amd64)".
func versionLine() string {
	b := readBuildInfo()
	commit := b.commitID()
	if commit == "" {
		commit = "unknown"
	}
	return fmt.Sprintf("hashtriage %s (commit %s, %s %s)", b.Version, commit, b.GoVersion, b.Platform)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version of this build",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b := readBuildInfo()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "hashtriage %s\n", b.Version)
			commit := b.Commit
			if commit == "" {
				commit = "unknown (built without VCS information)"
			} else if b.Modified {
				commit += " (modified)"
			}
			fmt.Fprintf(w, "commit:   %s\n", commit)
			if b.Time != "" {
				fmt.Fprintf(w, "time:     %s\n", b.Time)
			}
			fmt.Fprintf(w, "go:       %s %s\n", b.GoVersion, b.Platform)
			return nil
		},
	}
}

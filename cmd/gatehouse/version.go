package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Build identity. Release builds set them with
//
//	go build -ldflags "-X main.version=v1.2.0 -X main.commit=abc123 -X main.buildDate=2026-12-01T10:00:00Z"
//
// and anything left empty is read from the build information the Go
// toolchain embeds (module version, vcs.revision, vcs.time).
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo is what "gatehouse version" prints.
type buildInfo struct {
	Version, Commit, Date, Go string
}

// readBuildInfo resolves the build identity: -ldflags values first, then the
// toolchain's build information, then "dev" / "unknown".
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: buildDate, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if b.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.Version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if commit == "" && b.Commit != "" {
			if len(b.Commit) > 12 {
				b.Commit = b.Commit[:12]
			}
			if modified {
				b.Commit += "-dirty"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	if b.Date == "" {
		b.Date = "unknown"
	}
	return b
}

// String is the one line of "gatehouse version".
func (b buildInfo) String() string {
	return fmt.Sprintf("gatehouse %s (commit %s, built %s, %s)", b.Version, b.Commit, b.Date, b.Go)
}

// cmdVersion is "gatehouse version" (also --version).
func cmdVersion(args []string, stdout io.Writer) error {
	fs := newFlagSet("version", "version", stdout)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, readBuildInfo())
	return nil
}

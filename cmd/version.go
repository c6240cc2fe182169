package cmd

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version and Commit may be set at build time with -ldflags -X; otherwise
// they come from the module's build information.
var (
	Version    = ""
	Commit     = ""
	CommitDate = ""
)

// VersionInfo is what `lakectl version` reports.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	Date      string `json:"commit_date,omitempty"` // the commit's time, RFC 3339
	Modified  bool   `json:"modified,omitempty"`    // built from a tree with uncommitted changes
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func buildVersion() VersionInfo {
	v := VersionInfo{Version: Version, Commit: Commit, Date: CommitDate, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		// A build from a clone carries its commit in the vcs settings.
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if v.Commit == "" {
					v.Commit = s.Value
				}
			case "vcs.time":
				if v.Date == "" {
					v.Date = s.Value
				}
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

// versionOptions are the inputs of `lakectl version`: none but where to
// print.
type versionOptions struct {
	f *Factory
}

func newCmdVersion(f *Factory, runF func(*versionOptions) error) *cobra.Command {
	opts := &versionOptions{f: f}
	return &cobra.Command{
		Use:   "version",
		Short: "Print lakectl's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE:  runE(opts, runF, versionRun, nil),
	}
}

func versionRun(opts *versionOptions) error {
	v := buildVersion()
	return opts.f.IO.Render(v, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "lakectl %s", v.Version)
		if v.Commit != "" {
			fmt.Fprintf(w, " (commit %s", v.Commit)
			if v.Date != "" {
				fmt.Fprintf(w, " of %s", v.Date)
			}
			if v.Modified {
				fmt.Fprint(w, ", modified")
			}
			fmt.Fprint(w, ")")
		}
		fmt.Fprintf(w, " %s %s\n", v.GoVersion, v.Platform)
		return err
	})
}

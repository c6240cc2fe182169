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
	Version = ""
	Commit  = ""
)

// VersionInfo is what `lakectl version` reports.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func buildVersion() VersionInfo {
	v := VersionInfo{Version: Version, Commit: Commit, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v.Version == "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && v.Commit == "" {
				v.Commit = s.Value
			}
		}
	}
	if v.Version == "" {
		v.Version = "(devel)"
	}
	return v
}

func newVersionCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lakectl's version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := buildVersion()
			return f.IO.Render(v, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "lakectl %s", v.Version)
				if v.Commit != "" {
					fmt.Fprintf(w, " (commit %s)", v.Commit)
				}
				fmt.Fprintf(w, " %s %s\n", v.GoVersion, v.Platform)
				return err
			})
		},
	}
}

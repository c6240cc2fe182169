package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/docgen"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// run runs lakectl in-process with fake streams, no TTY.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	code = Run(context.Background(), io, args)
	return code, out.String(), errOut.String()
}

func TestHelpShowsEveryCommandGroup(t *testing.T) {
	code, out, _ := run(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, group := range []string{"extract", "lake", "catalog", "warehouse", "rebuild", "run", "demo", "completion", "version"} {
		if !strings.Contains(out, "  "+group+" ") {
			t.Errorf("--help does not list %q:\n%s", group, out)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	root := NewRootCmd(NewFactory(func() *iostreams.IO { io, _, _, _ := iostreams.Test(); return io }()))
	var paths [][]string
	for _, c := range root.Commands() {
		paths = append(paths, []string{c.Name()})
		for _, sub := range c.Commands() {
			paths = append(paths, []string{c.Name(), sub.Name()})
		}
	}
	for _, p := range paths {
		code, out, _ := run(t, append(p, "--help")...)
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("lakectl %s --help: exit %d\n%s", strings.Join(p, " "), code, out)
		}
	}
}

func TestVersionTextAndJSON(t *testing.T) {
	code, out, _ := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "lakectl ") {
		t.Fatalf("version: exit %d %q", code, out)
	}
	code, out, _ = run(t, "version", "-o", "json")
	var v VersionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.GoVersion == "" {
		t.Fatalf("version -o json: exit %d %q", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badConfig, []byte("lake: ./x\nnot_a_key: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want int
	}{
		{"unknown flag", []string{"version", "--nope"}, clierr.ExitUsage},
		{"unknown command", []string{"frobnicate"}, clierr.ExitUsage},
		{"missing required flag", []string{"extract", "mysql", "--table", "a.b"}, clierr.ExitUsage},
		{"bad output format", []string{"version", "-o", "yaml"}, clierr.ExitUsage},
		{"unknown config key", []string{"--config", badConfig, "version"}, clierr.ExitUsage},
		{"missing config file", []string{"--config", filepath.Join(dir, "none.yaml"), "version"}, clierr.ExitUsage},
		{"missing table", []string{"--lake", dir, "lake", "ls", "nosuchtable"}, clierr.ExitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := run(t, c.args...)
			if code != c.want {
				t.Errorf("lakectl %v: exit %d, want %d; stderr %q", c.args, code, c.want, stderr)
			}
			if lines := strings.Count(strings.TrimSpace(stderr), "\n") + 1; stderr == "" || lines > 2 {
				t.Errorf("want a one-line error (plus a usage hint), got %q", stderr)
			}
		})
	}
}

func TestErrorsUnderJSONAreJSONOnStderr(t *testing.T) {
	code, stdout, stderr := run(t, "-o", "json", "--lake", t.TempDir(), "lake", "ls", "nosuchtable")
	if code != clierr.ExitUsage || stdout != "" {
		t.Fatalf("exit %d stdout %q", code, stdout)
	}
	var e struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(stderr), &e); err != nil || e.ExitCode != 2 || e.Error == "" {
		t.Fatalf("stderr %q is not a JSON error: %v", stderr, err)
	}
}

func TestSecretsInConfigNeverPrinted(t *testing.T) {
	t.Setenv("LAKECTL_LAKE", "bogus-scheme://user:hunter2secret@host/path")
	_, stdout, stderr := run(t, "lake", "ls")
	if strings.Contains(stdout+stderr, "hunter2secret") {
		t.Fatalf("secret printed: stdout %q stderr %q", stdout, stderr)
	}
}

// TestGeneratedDocsAreCurrent fails when man/ or completions/ differ from
// what `go generate ./...` would write now.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	io, _, _, _ := iostreams.Test()
	if err := docgen.Generate(NewRootCmd(NewFactory(io)), tmp); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"man", "completions"} {
		want, _ := filepath.Glob(filepath.Join(tmp, dir, "*"))
		have, _ := filepath.Glob(filepath.Join("..", dir, "*"))
		if len(want) != len(have) {
			t.Fatalf("%s/ has %d files, the command tree makes %d: run 'make generate'", dir, len(have), len(want))
		}
		for _, w := range want {
			wb, _ := os.ReadFile(w)
			hb, err := os.ReadFile(filepath.Join("..", dir, filepath.Base(w)))
			if err != nil || !bytes.Equal(wb, hb) {
				t.Errorf("%s/%s is stale: run 'make generate'", dir, filepath.Base(w))
			}
		}
	}
	ref, err := docgen.ConfigReference("..", NewRootCmd(NewFactory(io)))
	if err != nil {
		t.Fatal(err)
	}
	if have, _ := os.ReadFile(filepath.Join("..", "docs", "config.md")); string(have) != ref {
		t.Errorf("docs/config.md is stale: run 'make generate'")
	}
}

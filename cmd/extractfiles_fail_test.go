package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A run that fails before listing anything (empty source, denied
// access) says so in one line and prints no empty report.
func TestExtractFilesFailureBeforeListingIsOneLine(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing")
	if err := os.MkdirAll(land, 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run(t, "--lake", filepath.Join(dir, "lake"), "extract", "files", "--from", land, "--route", "x=y")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	if out != "" || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "no objects") {
		t.Fatalf("stdout %q stderr %q: want one line on stderr only", out, stderr)
	}
}

package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
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

// A --from bucket that does not exist is the source's fault, not the
// lake's: the line names the source URL and blames no lake URL.
func TestExtractFilesMissingSourceBucketBlamesTheSource(t *testing.T) {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	from := "s3://" + env.Bucket + "-missing/landing/"
	code, out, stderr := run(t, "--lake", t.TempDir(), "--s3-endpoint", env.Endpoint, "--s3-path-style",
		"extract", "files", "--from", from, "--route", "x=y")
	if code != 2 || out != "" { // like a missing local folder: the URL is wrong
		t.Fatalf("exit %d stdout %q stderr %q", code, out, stderr)
	}
	if !strings.Contains(stderr, env.Bucket+"-missing") || strings.Contains(stderr, "lake URL") {
		t.Fatalf("stderr %q: want the source bucket named, no lake URL blamed", stderr)
	}
}

// With --skip-bad-records given, an object that still fails (a JSON
// array cut short) is not met with "rerun with --skip-bad-records".
func TestExtractFilesSkipBadRecordsFailureDoesNotSuggestItself(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing", "a")
	if err := os.MkdirAll(land, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(land, "cut.json"), []byte(`[{"id":1},{"id":`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "--lake", filepath.Join(dir, "lake"), "extract", "files", "--from", filepath.Dir(land),
		"--route", "^a/=t", "--skip-bad-records")
	if code != 1 || !strings.Contains(stderr, "a/cut.json") || strings.Contains(stderr, "rerun with --skip-bad-records") {
		t.Fatalf("exit %d stderr %q", code, stderr)
	}
}

package lake_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
)

func TestParseURLAcceptsEveryLakeForm(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want lake.Location
	}{
		{"s3://bucket", lake.Location{Scheme: "s3", Bucket: "bucket"}},
		{"s3://my-bucket/a/b/", lake.Location{Scheme: "s3", Bucket: "my-bucket", Prefix: "a/b"}},
		{"S3://bucket/lake", lake.Location{Scheme: "s3", Bucket: "bucket", Prefix: "lake"}},
		{"file:///var/lake", lake.Location{Scheme: "file", Path: "/var/lake"}},
		{"file://localhost/var/lake/", lake.Location{Scheme: "file", Path: "/var/lake"}},
		{"file:///var/my%20lake", lake.Location{Scheme: "file", Path: "/var/my lake"}},
		{"/abs/lake", lake.Location{Scheme: "file", Path: "/abs/lake"}},
		{"./lake", lake.Location{Scheme: "file", Path: filepath.Join(cwd, "lake")}},
		{"lake", lake.Location{Scheme: "file", Path: filepath.Join(cwd, "lake")}},
	} {
		got, err := lake.ParseURL(tc.in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseURLRejectsMalformedURLsAsUsageErrors(t *testing.T) {
	for _, tc := range []struct{ in, mention string }{
		{"", "empty"},
		{"gs://bucket/x", `unsupported scheme "gs"`},
		{"s3://", "no valid bucket"},
		{"s3://Bad_Bucket!/x", "no valid bucket"},
		{"s3://bkt/../x", "invalid prefix"},
		{"s3://AKIA:supersecret@bucket/x", "credentials"},
		{"s3:bucket", "not understood"},
		{"file://otherhost/x", "three slashes"},
	} {
		_, err := lake.ParseURL(tc.in)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", tc.in)
			continue
		}
		if clierr.Code(err) != clierr.ExitUsage {
			t.Errorf("ParseURL(%q): %v is not a usage error", tc.in, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.mention) || strings.Contains(msg, "supersecret") || strings.Contains(msg, "\n") {
			t.Errorf("ParseURL(%q) message %q: want one line mentioning %q and no secret", tc.in, msg, tc.mention)
		}
	}
}

func TestOpenPlainPathCreatesAFileLake(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "lake")
	s, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), "x", strings.NewReader("1"), 1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := s.URL("x"); got != filepath.Join(dir, "x") {
		t.Fatalf("URL = %q, want %q", got, filepath.Join(dir, "x"))
	}
}

func TestJoinBuildsKeys(t *testing.T) {
	if got := lake.Join("tables/", "t", "", "/dt=1/", "p.parquet"); got != "tables/t/dt=1/p.parquet" {
		t.Fatalf("Join = %q", got)
	}
}

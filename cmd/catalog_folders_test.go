package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

func TestConflictingLiveFilesExit3AndAthenaDDLTakesLocation(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	lk := []string{"--lake", dir}
	a := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "campaign_id", Type: schema.TInt64, Nullable: true}}}
	b := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "campaign_id", Type: schema.TString, Nullable: true}}}
	commitSchema(t, store, "t", a, 2, false)
	if code, _, errOut := run(t, append(lk, "catalog", "crawl")...); code != 0 {
		t.Fatalf("crawl: exit %d %s", code, errOut)
	}

	// Athena over a local lake: exit 2 saying to pass --location; with it,
	// the DDL of the lake once it lives on S3.
	code, _, errOut := run(t, append(lk, "catalog", "ddl", "t", "--dialect", "athena")...)
	if code != 2 || !strings.Contains(errOut, "--location") || strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
		t.Fatalf("athena ddl of a local lake: exit %d %q", code, errOut)
	}
	code, out, errOut := run(t, append(lk, "catalog", "ddl", "t", "--dialect", "athena", "--location", "s3://bkt/lake")...)
	if code != 0 || !strings.Contains(out, "LOCATION 's3://bkt/lake/tables/t/'") {
		t.Fatalf("athena ddl --location: exit %d %s%s", code, out, errOut)
	}

	commitSchema(t, store, "t", b, 2, false)
	for _, sub := range []string{"check", "crawl"} {
		code, _, errOut := run(t, append(lk, "catalog", sub, "t")...)
		if code != 3 {
			t.Fatalf("%s of conflicting files: exit %d %q, want 3", sub, code, errOut)
		}
		for _, w := range []string{"campaign_id", "int64", "string", "tables/t/"} {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s error %q does not mention %q", sub, errOut, w)
			}
		}
	}
}

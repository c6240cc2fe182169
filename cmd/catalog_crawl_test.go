package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// commitSchema writes one file of n rows of s (ints or strings by column
// type) to table name; replace swaps out every live file.
func commitSchema(t *testing.T, store lake.Store, name string, s schema.Schema, n int, replace bool) {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	op := table.OpAppend
	if replace {
		op = table.OpReplace
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: op})
	if err != nil {
		t.Fatal(err)
	}
	if replace {
		if err := tx.RemoveLive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	w, err := tx.NewWriter(s, table.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]schema.Row, n)
	for i := range rows {
		for _, c := range s.Columns {
			if c.Type.Kind == schema.String {
				rows[i] = append(rows[i], schema.StringValue("v"))
			} else {
				rows[i] = append(rows[i], schema.Int64Value(int64(i)))
			}
		}
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCatalogCommandsFollowSchemaChanges(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v1 := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "note", Type: schema.TString, Nullable: true}}}
	v2 := schema.Schema{Columns: append(append([]schema.Column{}, v1.Columns...), schema.Column{Name: "amount", Type: schema.TInt64, Nullable: true})}
	lk := []string{"--lake", dir}

	if code, _, errOut := run(t, append(lk, "catalog", "show", "t")...); code != 2 || !strings.Contains(errOut, "lake ls") {
		t.Fatalf("show of a missing table: exit %d %q", code, errOut)
	}
	if code, _, errOut := run(t, append(lk, "catalog", "crawl")...); code != 1 || !strings.Contains(errOut, "under tables/: nothing to crawl (check --lake)") {
		t.Fatalf("crawl of an empty lake: exit %d %q", code, errOut)
	}
	commitSchema(t, store, "t", v1, 5, false)
	if code, _, errOut := run(t, append(lk, "catalog", "show", "t")...); code != 1 || !strings.Contains(errOut, "catalog crawl t") {
		t.Fatalf("show before crawl: exit %d %q", code, errOut)
	}
	if code, out, errOut := run(t, append(lk, "catalog", "check", "t")...); code != 0 || !strings.Contains(out, "no recorded schema version yet; run lakectl catalog crawl t") {
		t.Fatalf("check before crawl: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := run(t, append(lk, "catalog", "crawl")...); code != 0 {
		t.Fatalf("crawl: exit %d %s", code, errOut)
	}
	commitSchema(t, store, "t", v2, 5, false)
	code, out, errOut := run(t, append(lk, "catalog", "crawl", "t", "-o", "json")...)
	if code != 0 {
		t.Fatalf("crawl: exit %d %s", code, errOut)
	}
	var crawl struct {
		Tables []struct {
			Version  int  `json:"version"`
			Recorded bool `json:"recorded"`
		} `json:"tables"`
		Rows int64 `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &crawl); err != nil || len(crawl.Tables) != 1 || crawl.Tables[0].Version != 2 || !crawl.Tables[0].Recorded || crawl.Rows != 10 {
		t.Fatalf("crawl result %s (%v)", out, err)
	}
	if code, out, _ := run(t, append(lk, "catalog", "history", "t")...); code != 0 || !strings.Contains(out, "v2") {
		t.Fatalf("history: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, append(lk, "catalog", "diff", "t", "1", "2")...); code != 0 || !strings.Contains(out, "amount") {
		t.Fatalf("diff: exit %d\n%s", code, out)
	}
	if code, out, _ := run(t, append(lk, "catalog", "ddl", "t", "--dialect", "duckdb")...); code != 0 || !strings.Contains(out, "amount") {
		t.Fatalf("ddl: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, append(lk, "catalog", "ddl", "t", "--dialect", "oracle")...); code != 2 {
		t.Fatalf("ddl with unknown dialect: exit %d, want 2", code)
	}
	if code, out, errOut := run(t, append(lk, "catalog", "check")...); code != 0 {
		t.Fatalf("check after compatible change: exit %d\n%s%s", code, out, errOut)
	}

	// The live files lose a column: breaking, exit 3 naming it.
	commitSchema(t, store, "t", v1, 3, true)
	code, _, errOut = run(t, append(lk, "catalog", "check", "t")...)
	if code != 3 || !strings.Contains(errOut, "amount") {
		t.Fatalf("check after a dropped column: exit %d %q", code, errOut)
	}
}

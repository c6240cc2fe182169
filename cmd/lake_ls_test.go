package cmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// writeTable commits rows (id, day) into a partitioned table, one file per
// call.
func writeTable(t *testing.T, store lake.Store, name string, first, n int) {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "created_at", Type: schema.TTimestamp},
	}}
	rule, _ := table.ParsePartitionRule("created_at:day")
	w, err := tx.NewWriter(s, table.WriterOptions{Partition: rule})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	rows := make([]schema.Row, n)
	for i := range rows {
		rows[i] = schema.Row{schema.Int64Value(int64(first + i)), schema.TimestampValue(base.Add(time.Duration(i%2) * 24 * time.Hour))}
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

func TestLakeLsLocalAndS3(t *testing.T) {
	type lakeCase struct {
		name string
		open func(t *testing.T) (url string, extra []string)
	}
	cases := []lakeCase{
		{"file", func(t *testing.T) (string, []string) { return t.TempDir(), nil }},
		{"s3", func(t *testing.T) (string, []string) {
			env := testenv.S3(t)
			env.SetAWSEnv(t)
			return env.URL("lake"), []string{"--s3-endpoint", env.Endpoint, "--s3-path-style"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, extra := c.open(t)
			store, err := lake.Open(context.Background(), url, lake.Options{S3PathStyle: true, S3Endpoint: flagValue(extra, "--s3-endpoint")})
			if err != nil {
				t.Fatal(err)
			}
			writeTable(t, store, "orders", 0, 10)
			writeTable(t, store, "orders", 10, 6)
			writeTable(t, store, "customers", 0, 3)

			args := append([]string{"--lake", url}, extra...)
			code, out, errOut := run(t, append(args, "lake", "ls", "-o", "json")...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var res LakeListing
			if err := json.Unmarshal([]byte(out), &res); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if len(res.Tables) != 2 || res.Tables[1].Table != "orders" || res.Tables[1].Rows != 16 || res.Tables[1].Partitions != 2 || res.Tables[1].Files != 4 || res.Tables[0].Rows != 3 {
				t.Fatalf("tables = %+v", res.Tables)
			}

			code, out, _ = run(t, append(args, "lake", "ls", "orders")...)
			if code != 0 || !strings.Contains(out, "created_at_day=2026-11-20") || !strings.Contains(out, "created_at_day=2026-11-21") {
				t.Fatalf("exit %d:\n%s", code, out)
			}

			code, _, errOut = run(t, append(args, "lake", "ls", "nosuchtable")...)
			if code != 2 || !strings.Contains(errOut, "nosuchtable") {
				t.Fatalf("unknown table: exit %d %q", code, errOut)
			}
		})
	}
}

func flagValue(args []string, name string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == name {
			return args[i+1]
		}
	}
	return ""
}

func TestLakeLsBadLakeURL(t *testing.T) {
	for _, u := range []string{"ftp://host/lake", "s3://", "s3:///nobucket"} {
		code, _, errOut := run(t, "--lake", u, "lake", "ls")
		if code != 2 || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
			t.Errorf("--lake %s: exit %d %q", u, code, errOut)
		}
	}
}

package table

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // DuckDB reads the lake back as users do
)

// duckQuery runs one query returning a single row of strings.
func duckQuery(t *testing.T, q string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = v.String
			if !v.Valid {
				parts[i] = "NULL"
			}
		}
		out = append(out, strings.Join(parts, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWriterPartitionsReadBackByDuckDB(t *testing.T) {
	codes := []*string{strp("a"), strp("b/c"), strp("2026-01-02"), strp("007"), nil, strp(""), strp("x y%z")}
	cases := []struct {
		rule string
		key  string
	}{
		{rule: "", key: ""},
		{rule: "created_at:day", key: "created_at_day"},
		{rule: "created_at:hour", key: "created_at_hour"},
		{rule: "created_at:month", key: "created_at_month"},
		{rule: "code", key: "code_part"},
	}
	const n = 1500
	rows := makeRows(0, n, codes)
	// What was written, computed from the rows themselves.
	var sumAmount, sumID int64
	days, hours, months := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		sumID += r[0].Int64()
		sumAmount += r[3].Int64()
	}
	for i := range n {
		ts := baseTime.Add(time2(i)).UTC()
		days[ts.Format("2006-01-02")] = true
		hours[ts.Format("2006-01-02T15")] = true
		months[ts.Format("2006-01")] = true
	}
	wantParts := map[string]int{"": 1, "created_at:day": len(days), "created_at:hour": len(hours), "created_at:month": len(months), "code": 6} // NULL and "" share the default partition
	for _, c := range cases {
		t.Run("rule="+c.rule, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			store := mustFileStore(t, dir)
			tbl, _ := Open(store, "t")
			rule, err := ParsePartitionRule(c.rule)
			if err != nil {
				t.Fatal(err)
			}
			tx, _ := tbl.Begin(ctx, TxOptions{})
			// Small files and few open partitions force cuts and LRU closes.
			w, err := tx.NewWriter(testSchema, WriterOptions{Partition: rule, TargetFileBytes: 8 << 10, MaxOpenPartitions: 3, RowGroupBytes: 4 << 10})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i += 250 {
				if err := w.Write(ctx, rows[i:i+250]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(ctx); err != nil {
				t.Fatal(err)
			}
			st := w.Stats()
			if _, err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			parts, err := tbl.Partitions(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(parts) != wantParts[c.rule] {
				t.Fatalf("%d partitions, want %d: %+v", len(parts), wantParts[c.rule], parts)
			}
			files := 0
			for _, p := range parts {
				files += p.Files
				if c.key != "" && !strings.HasPrefix(p.Partition, c.key+"=") {
					t.Fatalf("partition folder %q, want %s=...", p.Partition, c.key)
				}
			}
			if st.Rows != n || st.Files != files {
				t.Fatalf("stats %+v, want %d rows in %d files", st, n, files)
			}
			glob := filepath.Join(dir, "tables", "t", "**", "*.parquet")
			got := duckQuery(t, fmt.Sprintf(`SELECT count(*), sum(id)::VARCHAR, sum(amount)::VARCHAR, count(DISTINCT id), count(code), typeof(any_value(created_at)), typeof(any_value(code))
				FROM read_parquet('%s', hive_partitioning=true)`, glob))
			nonNull := 0
			for i := range n {
				if codes[i%len(codes)] != nil {
					nonNull++
				}
			}
			want := fmt.Sprintf("%d|%d|%d|%d|%d|TIMESTAMP WITH TIME ZONE|VARCHAR", n, sumID, sumAmount, n, nonNull)
			if got[0] != want && got[0] != strings.Replace(want, "TIMESTAMP WITH TIME ZONE", "TIMESTAMP", 1) {
				t.Fatalf("DuckDB read back %s, want %s", got[0], want)
			}
			if c.key == "" {
				return
			}
			// Every row sits in the folder its own value names.
			var check string
			switch c.rule {
			case "created_at:day":
				check = "strftime(created_at::TIMESTAMP, '%Y-%m-%d') = created_at_day::VARCHAR"
			case "created_at:hour":
				check = "strftime(created_at::TIMESTAMP, '%Y-%m-%dT%H') = created_at_hour::VARCHAR"
			case "created_at:month":
				check = "strftime(created_at::TIMESTAMP, '%Y-%m') = created_at_month::VARCHAR"
			case "code":
				check = "coalesce(nullif(code, ''), '<null>') = coalesce(code_part::VARCHAR, '<null>')"
			}
			bad := duckQuery(t, fmt.Sprintf(`SET TimeZone='UTC'; SELECT count(*) FROM read_parquet('%s', hive_partitioning=true) WHERE NOT (%s)`, glob, check))
			if bad[0] != "0" {
				t.Fatalf("%s rows are in the wrong folder (%s)", bad[0], check)
			}
		})
	}
}

func TestBadPartitionRulesAreUsageErrors(t *testing.T) {
	for _, s := range []string{"code:week", "a-b", "code:"} {
		if _, err := ParsePartitionRule(s); err == nil && s != "code:" {
			t.Errorf("ParsePartitionRule(%q) accepted", s)
		}
	}
	ctx := context.Background()
	tbl, _ := Open(fileStoreFor(t), "t")
	tx, _ := tbl.Begin(ctx, TxOptions{})
	defer tx.Abort(ctx)
	for _, r := range []PartitionRule{{Column: "nope"}, {Column: "code", Unit: UnitDay}, {Column: "amount", Unit: UnitHour}} {
		if _, err := tx.NewWriter(testSchema, WriterOptions{Partition: r}); err == nil {
			t.Errorf("NewWriter accepted rule %v", r)
		}
	}
}

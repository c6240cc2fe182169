package warehouse_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// redshiftTarget is a Redshift-semantics endpoint (internal/redshiftsim):
// loads go through it, the test reads the database behind it directly.
func redshiftTarget(t *testing.T) target {
	srv := redshiftsim.StartServer(t)
	pg := srv.Postgres
	return target{
		name: "redshift",
		url:  srv.URL,
		query: func(tb testing.TB, q string, dest ...any) {
			tb.Helper()
			ctx := context.Background()
			c, err := pgx.Connect(ctx, pg)
			if err != nil {
				tb.Fatal(err)
			}
			defer c.Close(ctx)
			if err := c.QueryRow(ctx, q).Scan(dest...); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		},
		exec: func(tb testing.TB, q string) {
			tb.Helper()
			ctx := context.Background()
			c, err := pgx.Connect(ctx, pg)
			if err != nil {
				tb.Fatal(err)
			}
			defer c.Close(ctx)
			if _, err := c.Exec(ctx, q); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		},
	}
}

func TestRedshiftAppendLoadsWithCopyAndRerunLoadsNothing(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	b1, b2, b3 := makeRecs(1, 500, 1), makeRecs(501, 700, 1), makeRecs(1201, 300, 1)
	appendBatch(t, store, "orders", b1, table.PartitionRule{Column: "ts", Unit: table.UnitDay})
	appendBatch(t, store, "orders", b2, table.PartitionRule{})
	res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
	if res.Rows != 1200 {
		t.Fatalf("first load: %d rows; want 1200", res.Rows)
	}
	checkAggregates(t, tg.agg(t, "orders"), expected(append(b1, b2...)))
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"}); res.Files != 0 {
		t.Fatalf("rerun loaded %d files", res.Files)
	}
	appendBatch(t, store, "orders", b3, table.PartitionRule{})
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"}); res.Rows != 300 {
		t.Fatalf("third load: %d rows; want 300", res.Rows)
	}
	checkAggregates(t, tg.agg(t, "orders"), expected(append(append(b1, b2...), b3...)))
}

func TestRedshiftDryRunAgainstTheEndpointChangesNothing(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	appendBatch(t, store, "orders", makeRecs(1, 50, 1), table.PartitionRule{})
	res := load(t, tg, store, warehouse.LoadOptions{Table: "orders", DryRun: true})
	if res.Files != 1 || res.Unreachable != "" || !strings.Contains(strings.Join(res.Statements, "\n"), "FORMAT AS PARQUET") {
		t.Fatalf("dry run = %+v", res)
	}
	if n := tg.count(t, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orders', 'lakectl_loads')"); n != 0 {
		t.Errorf("dry run created %d tables", n)
	}
}

// everyTarget is every driver, Redshift through its simulator; the lake
// is on S3 (MinIO) so that Redshift can COPY it.
func everyTarget(t *testing.T) []target {
	return append(targets(t), redshiftTarget(t))
}

func TestUpsertWithoutCursorKeepsTheLastVersionOfAKeyInOneBatch(t *testing.T) {
	for _, tg := range everyTarget(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := s3Lake(t)
			b1 := makeRecs(1, 100, 1)
			appendBatch(t, store, "users", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "users", Mode: "upsert", Key: []string{"id"}})
			// One file holds ids 60..69 twice, the later rows newer; a
			// second file of the same load is newer still for 65..69.
			b2 := append(makeRecs(50, 100, 2), makeRecs(60, 10, 3)...)
			b3 := makeRecs(65, 5, 4)
			appendBatch(t, store, "users", b2, table.PartitionRule{})
			appendBatch(t, store, "users", b3, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "users", Mode: "upsert", Key: []string{"id"}})
			checkAggregates(t, tg.agg(t, "users"), expected(latest(b1, b2, b3)))
		})
	}
}

func TestRedshiftDefaultRoleAndBackslashInNames(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	tg.url = strings.Replace(tg.url, "iam_role="+url.QueryEscape(redshiftsim.IAMRole), "iam_role=default", 1)
	b1 := makeRecs(1, 50, 1)
	appendBatch(t, store, "orders", b1, table.PartitionRule{})
	into := `public.odd\`
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "orders", Into: into}); res.Rows != 50 {
		t.Fatalf("loaded %d rows", res.Rows)
	}
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "orders", Into: into}); res.Files != 0 {
		t.Fatalf("rerun loaded %d files", res.Files)
	}
	checkAggregates(t, tg.agg(t, `"odd\"`), expected(b1))
	if n := tg.count(t, `SELECT count(*) FROM lakectl_loads WHERE target = E'public.odd\\'`); n != 1 {
		t.Errorf("ledger rows of the target named with a backslash: %d", n)
	}
}

func TestDroppedTargetIsRecreatedAndReloaded(t *testing.T) {
	for _, tg := range everyTarget(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := s3Lake(t)
			b1, b2 := makeRecs(1, 120, 1), makeRecs(121, 80, 1)
			appendBatch(t, store, "orders", b1, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
			tg.exec(t, "DROP TABLE orders")
			appendBatch(t, store, "orders", b2, table.PartitionRule{})
			var logs strings.Builder
			res := load(t, tg, store, warehouse.LoadOptions{Table: "orders", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if res.Files != 2 || res.Rows != 200 || !res.Created {
				t.Errorf("load after the target was dropped: %d files, %d rows, created %v; want 2, 200, true", res.Files, res.Rows, res.Created)
			}
			if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "missing") {
				t.Errorf("notes %q do not say the target was missing", res.Notes)
			}
			if !strings.Contains(logs.String(), "missing") {
				t.Errorf("no log line says the target was missing:\n%s", logs.String())
			}
			checkAggregates(t, tg.agg(t, "orders"), expected(append(b1, b2...)))
			if n := tg.count(t, "SELECT count(*) FROM lakectl_loads"); n != 2 {
				t.Errorf("ledger has %d rows, want 2", n)
			}
		})
	}
}

// withCode gives the first record of rs a code of n bytes.
func withCode(rs []rec, n int) []rec {
	s := strings.Repeat("é", n/2) + strings.Repeat("x", n%2)
	rs[0].code = &s
	return rs
}

func TestRedshiftSizesVarcharFromTheDataAndWidensInPlace(t *testing.T) {
	store := s3Lake(t)
	tg := redshiftTarget(t)
	b1 := withCode(makeRecs(1, 50, 1), 300) // 150 characters, 300 bytes
	appendBatch(t, store, "orders", b1, table.PartitionRule{})
	load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
	checkAggregates(t, tg.agg(t, "orders"), expected(b1))
	width := func() int64 {
		return tg.count(t, "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'code'")
	}
	if w := width(); w < 300 || w > 65535 {
		t.Errorf("code is VARCHAR(%d) for a 300-byte value", w)
	}

	b2 := withCode(makeRecs(51, 50, 1), 3000)
	appendBatch(t, store, "orders", b2, table.PartitionRule{})
	plan := load(t, tg, store, warehouse.LoadOptions{Table: "orders", DryRun: true})
	if all := strings.Join(plan.Statements, "\n"); !strings.Contains(all, "outside a transaction") || !strings.Contains(all, `ALTER COLUMN "code" TYPE VARCHAR(`) {
		t.Errorf("dry run does not show the widening:\n%s", all)
	}
	if n := strings.Count(strings.Join(plan.Statements, "\n"), "ALTER COLUMN"); n != 1 || len(plan.Altered) != 1 {
		t.Errorf("dry run shows %d widenings, %d altered; want 1 and 1", n, len(plan.Altered))
	}
	res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"})
	if len(res.Altered) != 1 || res.Rows != 50 {
		t.Errorf("second load: altered %v, %d rows; want one ALTER and 50 rows", res.Altered, res.Rows)
	}
	if w := width(); w < 3000 {
		t.Errorf("code is VARCHAR(%d) after a 3000-byte value", w)
	}
	checkAggregates(t, tg.agg(t, "orders"), expected(append(b1, b2...)))
}

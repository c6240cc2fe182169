package warehouse_test

import (
	"context"
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

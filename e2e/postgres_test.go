package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
)

// TestPostgresCDCUnderKill9KeepsWarehouseEqualToSource changes a
// PostgreSQL table between runs (inserts, updates, deletes), runs
// `extract postgres --cdc` and `warehouse load --mode upsert`, each killed
// -9 at a random moment half the time and rerun, and compares the
// warehouse with the source row for row, and the lake's row versions with
// what the source committed (each change once).
func TestPostgresCDCUnderKill9KeepsWarehouseEqualToSource(t *testing.T) {
	src := testenv.PostgresLogical(t)
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pg.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE items (id int PRIMARY KEY, note text, amount numeric(10,2), at timestamptz)`)
	exec(`INSERT INTO items SELECT g, 'n' || g, g * 1.5, '2026-11-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, 300) g`)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	dir := t.TempDir()
	whPath := filepath.Join(dir, "wh.duckdb")
	c := newCLI(t, "--lake", filepath.Join(dir, "lake"), "--warehouse", "duckdb://"+whPath, "-o", "json", "-q")
	k := newKiller(rng)
	nextID := 301
	for round := 0; round < 6; round++ {
		if round > 0 {
			for i := 0; i < 40; i++ {
				switch rng.IntN(3) {
				case 0:
					exec(`INSERT INTO items VALUES ($1, $2, $3, now())`, nextID, fmt.Sprintf("r%d", round), rng.IntN(10000))
					nextID++
				case 1:
					exec(`UPDATE items SET note = note || '+', amount = amount + 1 WHERE id = $1`, 1+rng.IntN(nextID))
				default:
					exec(`DELETE FROM items WHERE id = $1`, 1+rng.IntN(nextID))
				}
			}
		}
		k.step(t, c, "extract", rng.IntN(2) == 0, nil, "extract", "postgres", "--dsn", src, "--table", "public.items", "--cdc",
			// Slots are the cluster's, not the database's: extract/postgres's
			// tests, run at the same time, use lakectl_items too.
			"--slot", "lakectl_e2e_items")
		k.step(t, c, "load", rng.IntN(2) == 0, nil, "warehouse", "load", "items", "--mode", "upsert", "--key", "id")
		want := pgRows(t, pg, `SELECT id || '|' || note || '|' || amount || '|' || (extract(epoch FROM at) * 1000000)::bigint FROM items ORDER BY id`)
		got := duckRows(t, whPath, `SELECT CAST(id AS VARCHAR) || '|' || note || '|' || CAST(amount AS VARCHAR) || '|' || CAST(epoch_us("at") AS VARCHAR) FROM items ORDER BY id`)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("round %d: warehouse (%d rows) differs from the source (%d rows)", round, len(got), len(want))
		}
		lake := duckRows(t, "", fmt.Sprintf(`SELECT CAST(count(*) AS VARCHAR) || ' ' || CAST(count(DISTINCT (id, _lsn)) AS VARCHAR)
			FROM read_parquet('%s/lake/tables/items/**/*.parquet')`, dir))
		var n, distinct int
		fmt.Sscan(lake[0], &n, &distinct)
		if n != distinct {
			t.Fatalf("round %d: the lake holds %d row versions, %d distinct (id, _lsn): a change was stored twice", round, n, distinct)
		}
	}
	t.Logf("%d kills hit a running command", k.kills)
}

func pgRows(t *testing.T, pg *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := pg.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func duckRows(t *testing.T, path, q string) []string {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// TestPostgresFullAndIncrementalUnderKill9KeepTheSourceHistory changes a
// table between runs; each extract is killed -9 at a random moment half
// the time and rerun. The incremental job's lake must hold every (id,
// updated_at) version the source had at a run exactly once; the full
// job's lake must equal the source.
func TestPostgresFullAndIncrementalUnderKill9KeepTheSourceHistory(t *testing.T) {
	src := testenv.Postgres(t)
	ctx := context.Background()
	pg, err := pgx.Connect(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := pg.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE orders (id int PRIMARY KEY, note text, updated_at timestamptz NOT NULL)`)
	exec(`INSERT INTO orders SELECT g, 'n', '2026-11-01'::timestamptz + g * interval '1 second' FROM generate_series(1, 20000) g`)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	dir := t.TempDir()
	c := newCLI(t, "--lake", filepath.Join(dir, "lake"), "-o", "json", "-q")
	k := newKiller(rng)
	history := map[string]bool{}
	version := `id || '@' || (extract(epoch FROM updated_at) * 1000000)::bigint`
	for round := 0; round < 5; round++ {
		if round > 0 {
			exec(`UPDATE orders SET note = note || '+', updated_at = now() WHERE id % 13 = $1`, round)
			exec(`INSERT INTO orders SELECT g, 'new', now() FROM generate_series($1::int, $1::int + 99) g`, 100000+round*100)
		}
		for _, v := range pgRows(t, pg, "SELECT "+version+" FROM orders") {
			history[v] = true
		}
		k.step(t, c, "incremental", rng.IntN(2) == 0, nil, "extract", "postgres", "--dsn", src, "--table", "public.orders",
			"--as", "orders_inc", "--incremental", "--cursor", "updated_at", "--lookback", "10m", "--chunk-rows", "3000")
		k.step(t, c, "full", rng.IntN(2) == 0, nil, "extract", "postgres", "--dsn", src, "--table", "public.orders",
			"--as", "orders_full", "--parallel", "2", "--chunk-rows", "3000")
		lake := duckRows(t, "", fmt.Sprintf(`SELECT CAST(id AS VARCHAR) || '@' || CAST(epoch_us(updated_at) AS VARCHAR)
			FROM read_parquet('%s/lake/tables/orders_inc/**/*.parquet')`, dir))
		seen := map[string]bool{}
		for _, v := range lake {
			if seen[v] {
				t.Fatalf("round %d: version %s stored twice", round, v)
			}
			seen[v] = true
		}
		if len(seen) != len(history) {
			t.Fatalf("round %d: the incremental lake holds %d versions, the source had %d", round, len(seen), len(history))
		}
		for v := range history {
			if !seen[v] {
				t.Fatalf("round %d: version %s missing", round, v)
			}
		}
		want := pgRows(t, pg, "SELECT "+version+" FROM orders ORDER BY 1")
		got := duckRows(t, "", fmt.Sprintf(`SELECT CAST(id AS VARCHAR) || '@' || CAST(epoch_us(updated_at) AS VARCHAR)
			FROM read_parquet('%s/lake/tables/orders_full/**/*.parquet') ORDER BY 1`, dir))
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("round %d: the full lake (%d rows) differs from the source (%d rows)", round, len(got), len(want))
		}
	}
	t.Logf("%d kills hit a running command", k.kills)
}

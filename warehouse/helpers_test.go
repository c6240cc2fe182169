package warehouse_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/duckdb"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
)

// testSchema covers every kind a load converts.
var testSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "code", Type: schema.TString, Nullable: true},
	{Name: "amount", Type: schema.DecimalOf(12, 2), Nullable: true},
	{Name: "big", Type: schema.TUint64, Nullable: true},
	{Name: "ts", Type: schema.TTimestamp},
	{Name: "day", Type: schema.TDate, Nullable: true},
	{Name: "flag", Type: schema.TBool, Nullable: true},
	{Name: "payload", Type: schema.TJSON, Nullable: true},
	{Name: "ratio", Type: schema.TFloat64, Nullable: true},
	{Name: "small", Type: schema.TInt16, Nullable: true},
	{Name: "updated", Type: schema.TInt64},
}}

// rec is one generated row, kept in Go to compute the expected aggregates.
type rec struct {
	id      int64
	code    *string
	cents   int64
	big     uint64
	ts      time.Time
	flag    bool
	ratio   float64
	small   int16
	updated int64
}

var base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// makeRecs builds n rows with ids from first, spread over three days.
func makeRecs(first, n int, updated int64) []rec {
	out := make([]rec, n)
	for i := range out {
		id := int64(first + i)
		r := rec{id: id, cents: id*137%100000 - 5000 + updated, big: math.MaxUint64 - uint64(id), flag: id%3 == 0,
			ratio: float64(id) / 7, small: int16(id % 1000), updated: updated,
			ts: base.Add(time.Duration(id%3)*24*time.Hour + time.Duration(id)*time.Second)}
		if id%5 != 0 {
			s := fmt.Sprintf("c-%d-'\"\\é", id)
			r.code = &s
		}
		out[i] = r
	}
	return out
}

func (r rec) row() schema.Row {
	row := make(schema.Row, len(testSchema.Columns))
	row[0] = schema.Int64Value(r.id)
	row[1] = schema.NullValue()
	if r.code != nil {
		row[1] = schema.StringValue(*r.code)
	}
	row[2] = schema.DecimalFromUnscaled(testSchema.Columns[2].Type, big.NewInt(r.cents))
	row[3] = schema.Uint64Value(r.big)
	row[4] = schema.TimestampValue(r.ts)
	row[5] = schema.DateValue(r.ts)
	row[6] = schema.BoolValue(r.flag)
	row[7] = schema.StringValue(fmt.Sprintf(`{"id": %d}`, r.id))
	row[8] = schema.Float64Value(r.ratio)
	row[9] = schema.Int32Value(int32(r.small))
	row[10] = schema.Int64Value(r.updated)
	return row
}

func rowsOf(rs []rec) []schema.Row {
	out := make([]schema.Row, len(rs))
	for i, r := range rs {
		out[i] = r.row()
	}
	return out
}

// newLake is a local lake in a temporary folder.
func newLake(t testing.TB) lake.Store {
	t.Helper()
	s, err := lake.Open(context.Background(), t.TempDir(), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// appendBatch commits one append of rows to the lake table.
func appendBatch(t testing.TB, store lake.Store, name string, rs []rec, rule table.PartitionRule) []string {
	t.Helper()
	return whtest.Append(t, store, name, testSchema, rowsOf(rs), rule)
}

// compact rewrites inputs (whose rows, in order, are rs) into one file with
// lineage, as lake compaction does, and removes the inputs.
func compact(t testing.TB, store lake.Store, name string, inputs []string, rs []rec) {
	t.Helper()
	ctx := context.Background()
	tbl, err := table.Open(store, name)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpCompact})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	key := tx.NewFileKey("")
	var buf bytes.Buffer
	w, err := parquetfile.NewWriter(&buf, testSchema, parquetfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(rowsOf(rs)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(ctx, tx.StagingKey(key), bytes.NewReader(buf.Bytes()), int64(buf.Len()), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var lin []table.Segment
	for _, in := range inputs {
		segs, err := tbl.Lineage(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		lin = append(lin, segs...)
		if err := tx.RemoveFile(in); err != nil {
			t.Fatal(err)
		}
	}
	e := table.FileEntry{Key: key, Size: int64(buf.Len()), Rows: int64(len(rs)), SchemaFingerprint: testSchema.Fingerprint(), Lineage: lin}
	if err := tx.AddFile(ctx, e); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// aggregates are per-column checks of a table's content.
type aggregates struct {
	Rows, SumID, Codes, CodeLen, Flags, Payloads, SumSmall, SumUpdated int64
	SumAmount, SumBig                                                  string
	MinTS, MaxTS, MinDay, MaxDay                                       time.Time
	SumRatio                                                           float64
}

func expected(rs []rec) aggregates {
	var a aggregates
	amount, bigSum := new(big.Int), new(big.Int)
	for i, r := range rs {
		a.Rows++
		a.SumID += r.id
		if r.code != nil {
			a.Codes++
			a.CodeLen += int64(len([]rune(*r.code)))
		}
		amount.Add(amount, big.NewInt(r.cents))
		bigSum.Add(bigSum, new(big.Int).SetUint64(r.big))
		if r.flag {
			a.Flags++
		}
		a.Payloads++
		a.SumSmall += int64(r.small)
		a.SumUpdated += r.updated
		a.SumRatio += r.ratio
		day := r.ts.Truncate(24 * time.Hour)
		if i == 0 || r.ts.Before(a.MinTS) {
			a.MinTS = r.ts
		}
		if i == 0 || r.ts.After(a.MaxTS) {
			a.MaxTS = r.ts
		}
		if i == 0 || day.Before(a.MinDay) {
			a.MinDay = day
		}
		if i == 0 || day.After(a.MaxDay) {
			a.MaxDay = day
		}
	}
	a.SumAmount = schema.FormatDecimal(testSchema.Columns[2].Type, schema.DecimalFromUnscaled(testSchema.Columns[2].Type, amount))
	if a.Rows == 0 {
		a.SumAmount = "0.00"
	}
	a.SumBig = bigSum.String()
	return a
}

const aggSQL = `SELECT count(*), coalesce(sum(id), 0), count(code), coalesce(sum(length(code)), 0),
	coalesce(sum(CASE WHEN flag THEN 1 ELSE 0 END), 0), count(payload), coalesce(sum(small), 0), coalesce(sum(updated), 0),
	CAST(coalesce(sum(amount), 0) AS VARCHAR), CAST(coalesce(sum(big), 0) AS VARCHAR),
	min(ts), max(ts), min(day), max(day), coalesce(sum(ratio), 0)
	FROM %s`

func (a *aggregates) dest() []any {
	return []any{&a.Rows, &a.SumID, &a.Codes, &a.CodeLen, &a.Flags, &a.Payloads, &a.SumSmall, &a.SumUpdated,
		&a.SumAmount, &a.SumBig, &a.MinTS, &a.MaxTS, &a.MinDay, &a.MaxDay, &a.SumRatio}
}

func checkAggregates(t testing.TB, got, want aggregates) {
	t.Helper()
	got.MinTS, got.MaxTS, got.MinDay, got.MaxDay = got.MinTS.UTC(), got.MaxTS.UTC(), got.MinDay.UTC(), got.MaxDay.UTC()
	if math.Abs(got.SumRatio-want.SumRatio) > 1e-6*math.Max(1, math.Abs(want.SumRatio)) {
		t.Errorf("sum(ratio) = %v, lake has %v", got.SumRatio, want.SumRatio)
	}
	got.SumRatio = want.SumRatio
	if got.SumAmount == "0" {
		got.SumAmount = "0.00"
	}
	if got != want {
		t.Errorf("warehouse aggregates differ from the lake's:\n got %+v\nwant %+v", got, want)
	}
}

// target is a warehouse under test and a way to read it back.
type target struct {
	name string
	url  string
	// query runs a query of one row and scans it into dest.
	query func(t testing.TB, q string, dest ...any)
	// exec runs a statement.
	exec func(t testing.TB, stmt string)
}

// agg reads the aggregates of a table.
func (tg target) agg(t testing.TB, table string) aggregates {
	t.Helper()
	var a aggregates
	tg.query(t, fmt.Sprintf(aggSQL, table), a.dest()...)
	return a
}

// count runs a count(*) query.
func (tg target) count(t testing.TB, q string) int64 {
	t.Helper()
	var n int64
	tg.query(t, q, &n)
	return n
}

func targets(t *testing.T) []target {
	duckPath := filepath.Join(t.TempDir(), "wh.duckdb")
	pgURL := testenv.Postgres(t)
	return []target{{
		name: "duckdb",
		url:  "duckdb://" + duckPath,
		query: func(tb testing.TB, q string, dest ...any) {
			tb.Helper()
			db, err := sql.Open("duckdb", duckPath)
			if err != nil {
				tb.Fatal(err)
			}
			defer db.Close()
			if err := db.QueryRow(q).Scan(dest...); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		},
		exec: func(tb testing.TB, q string) {
			tb.Helper()
			db, err := sql.Open("duckdb", duckPath)
			if err != nil {
				tb.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(q); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		},
	}, {
		name: "postgres",
		url:  pgURL,
		query: func(tb testing.TB, q string, dest ...any) {
			tb.Helper()
			ctx := context.Background()
			c, err := pgx.Connect(ctx, pgURL)
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
			c, err := pgx.Connect(ctx, pgURL)
			if err != nil {
				tb.Fatal(err)
			}
			defer c.Close(ctx)
			if _, err := c.Exec(ctx, q); err != nil {
				tb.Fatalf("%s: %v", q, err)
			}
		},
	}}
}

// load opens the warehouse, loads and closes it (DuckDB allows one
// handle on the file at a time).
func load(t testing.TB, tg target, store lake.Store, opts warehouse.LoadOptions) *warehouse.LoadResult {
	t.Helper()
	res, err := tryLoad(tg, store, opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return res
}

func tryLoad(tg target, store lake.Store, opts warehouse.LoadOptions) (*warehouse.LoadResult, error) {
	ctx := context.Background()
	wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
	if err != nil {
		return nil, err
	}
	defer wh.Close()
	return warehouse.Load(ctx, store, wh, opts)
}

// latest keeps, per id, the record with the highest updated value (the
// later one on ties), as upsert must.
func latest(batches ...[]rec) []rec {
	m := map[int64]rec{}
	for _, b := range batches {
		for _, r := range b {
			if old, ok := m[r.id]; !ok || r.updated >= old.updated {
				m[r.id] = r
			}
		}
	}
	out := make([]rec, 0, len(m))
	for _, r := range m {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

var _ = duckdb.Open

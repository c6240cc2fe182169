package compact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

func TestCompactKeepsRowsAndAggregates(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			tbl := openTable(t, store, "orders")
			seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us"}, 6, 300)
			before := readSnapshot(ctx, t, tbl)

			res, err := Compact(ctx, store, Options{Table: "orders"})
			if err != nil {
				t.Fatal(err)
			}
			after := readSnapshot(ctx, t, tbl)
			sameData(t, before, after)
			if after.Files != 2 || res.Files != 2 || res.InputFiles != 12 || res.Rows != before.Rows {
				t.Fatalf("files after %d, result %+v", after.Files, res)
			}
			if res.Bytes <= 0 || res.InputBytes <= 0 || res.DurationS <= 0 {
				t.Fatalf("result sizes: %+v", res)
			}
			// Lineage: each output lists its inputs' leaves in key order.
			for _, pr := range res.Partitions {
				segs, err := tbl.Lineage(ctx, pr.Outputs[0])
				if err != nil {
					t.Fatal(err)
				}
				var files []string
				var rows int64
				for _, s := range segs {
					files = append(files, s.File)
					rows += s.Rows
				}
				if !slices.Equal(files, pr.Inputs) || rows != pr.Rows {
					t.Fatalf("lineage %v (%d rows), inputs %v (%d rows)", files, rows, pr.Inputs, pr.Rows)
				}
			}
			// Output order is the inputs' concatenation: ids ascending here.
			assertIDsAscending(ctx, t, tbl)

			again, err := Compact(ctx, store, Options{Table: "orders"})
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Partitions) != 0 || again.Files != 0 || len(again.Skipped) != 2 {
				t.Fatalf("second run did something: %+v", again)
			}
			if final := readSnapshot(ctx, t, tbl); !slices.Equal(final.Keys, after.Keys) {
				t.Fatalf("second run changed files: %v -> %v", after.Keys, final.Keys)
			}
		})
	}
}

func assertIDsAscending(ctx context.Context, t *testing.T, tbl *table.Table) {
	t.Helper()
	err := tbl.Files(ctx, func(f table.File) error {
		r, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, tbl.Store(), f.Key, f.Size), f.Size)
		if err != nil {
			return err
		}
		defer r.Close()
		buf := make([]schema.Row, 1000)
		last := int64(-1)
		for {
			n, err := r.Read(buf)
			if err != nil {
				return nil
			}
			for _, row := range buf[:n] {
				if id := row[0].Int64(); id <= last {
					t.Fatalf("%s: id %d after %d: row order not kept", f.Key, id, last)
				} else {
					last = id
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCompactOutputsAreNearTarget(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{""}, 20, 2000)
	before := readSnapshot(ctx, t, tbl)
	var total int64
	_ = tbl.Files(ctx, func(f table.File) error { total += f.Size; return nil })
	target := total / 3
	res, err := Compact(ctx, store, Options{Table: "orders", TargetFileBytes: target})
	if err != nil {
		t.Fatal(err)
	}
	after := readSnapshot(ctx, t, tbl)
	sameData(t, before, after)
	if res.Files < 3 || res.Files > 4 {
		t.Fatalf("%d outputs for a target of a third of the data", res.Files)
	}
	_ = tbl.Files(ctx, func(f table.File) error {
		if f.Size > target*5/4 {
			t.Errorf("%s is %d bytes, target %d", f.Key, f.Size, target)
		}
		return nil
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us"}, 4, 100)
	before := readSnapshot(ctx, t, tbl)
	res, err := Compact(ctx, store, Options{Table: "orders", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || len(res.Partitions) != 2 || res.InputFiles != 8 || res.Files != 2 || res.Rows != 800 || res.InputBytes == 0 {
		t.Fatalf("plan: %+v", res)
	}
	if len(res.Partitions[0].Inputs) != 4 {
		t.Fatalf("plan lists inputs %v", res.Partitions[0].Inputs)
	}
	after := readSnapshot(ctx, t, tbl)
	if !slices.Equal(before.Keys, after.Keys) {
		t.Fatalf("dry run changed files")
	}
	var meta []string
	_ = store.List(ctx, "_lakectl/", func(oi lake.ObjectInfo) error { meta = append(meta, oi.Key); return nil })
	for _, k := range meta {
		if strings.Contains(k, "locks/") || strings.Contains(k, "txns/") {
			t.Fatalf("dry run left %s", k)
		}
	}
}

func TestPartitionFilterCompactsOnlyThatPartition(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us"}, 3, 50)
	res, err := Compact(ctx, store, Options{Table: "orders", Partitions: []string{"region_part=us"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Partitions) != 1 || res.Partitions[0].Partition != "region_part=us" {
		t.Fatalf("compacted %+v", res.Partitions)
	}
	parts, err := tbl.Partitions(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if parts[0].Files != 3 || parts[1].Files != 1 {
		t.Fatalf("partitions after: %+v", parts)
	}
}

func TestBadInputIsAUsageErrorAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu"}, 3, 50)
	before := readSnapshot(ctx, t, tbl)
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown table", Options{Table: "nope"}, "no files"},
		{"bad table name", Options{Table: "No-Such"}, "invalid table name"},
		{"unknown partition", Options{Table: "orders", Partitions: []string{"region_part=mars"}}, "no partition"},
		{"malformed partition", Options{Table: "orders", Partitions: []string{"eu"}}, "KEY=VALUE"},
		{"unknown codec", Options{Table: "orders", Codec: "lz5"}, "codec"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compact(ctx, store, c.opts)
			if err == nil || clierr.Code(err) != 2 || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v (exit %d), want a usage error containing %q", err, clierr.Code(err), c.want)
			}
		})
	}
	if after := readSnapshot(ctx, t, tbl); !slices.Equal(before.Keys, after.Keys) {
		t.Fatal("bad input changed files")
	}
}

func TestCompactWhileLockHeldExits75(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{""}, 3, 50)
	lock, err := table.AcquireLock(ctx, store, LockName("orders"), table.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release(ctx)
	_, err = Compact(ctx, store, Options{Table: "orders"})
	var le *lake.LockedError
	if !errors.As(err, &le) || clierr.Code(err) != 75 {
		t.Fatalf("err %v, want a LockedError", err)
	}
}

func TestSchemaVersionsMergeIntoUnionWithNulls(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "users")
	v1 := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt32},
		{Name: "name", Type: schema.TString},
		{Name: "score", Type: schema.TFloat32},
	}}
	v2 := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64},
		{Name: "name", Type: schema.TString},
		{Name: "score", Type: schema.TFloat64},
		{Name: "email", Type: schema.TString, Nullable: true},
	}}
	bad := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TString},
		{Name: "name", Type: schema.TString},
	}}
	rows1 := []schema.Row{{schema.Int32Value(1), schema.StringValue("a"), schema.Float32Value(1.5)}, {schema.Int32Value(2), schema.StringValue("b"), schema.Float32Value(2.25)}}
	rows2 := []schema.Row{{schema.Int64Value(3), schema.StringValue("c"), schema.Float64Value(3.5), schema.StringValue("c@x")}}
	writeFiles(ctx, t, tbl, v1, "", [][]schema.Row{rows1, rows1[:1]})
	badKey := writeFiles(ctx, t, tbl, bad, "", [][]schema.Row{{{schema.StringValue("x"), schema.StringValue("y")}}})[0]
	writeFiles(ctx, t, tbl, v2, "", [][]schema.Row{rows2})

	res, err := Compact(ctx, store, Options{Table: "users"})
	if err != nil {
		t.Fatal(err)
	}
	if res.InputFiles != 3 || res.Files != 1 || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], badKey) {
		t.Fatalf("result %+v", res)
	}
	if _, err := store.Stat(ctx, badKey); err != nil {
		t.Fatalf("incompatible file not left in place: %v", err)
	}
	out := res.Partitions[0].Outputs[0]
	oi, _ := store.Stat(ctx, out)
	r, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, store, out, oi.Size), oi.Size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Schema(); !got.Equal(schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64}, {Name: "name", Type: schema.TString},
		{Name: "score", Type: schema.TFloat64}, {Name: "email", Type: schema.TString, Nullable: true}}}) {
		t.Fatalf("output schema %+v", got)
	}
	var all []schema.Row
	for {
		buf := make([]schema.Row, 10)
		n, err := r.Read(buf)
		if err != nil {
			break
		}
		all = append(all, buf[:n]...)
	}
	var got []string
	for _, row := range all {
		var cells []string
		for c, col := range r.Schema().Columns {
			if row[c].IsNull() {
				cells = append(cells, "NULL")
			} else {
				cells = append(cells, fmt.Sprint(schema.Go(col.Type, row[c])))
			}
		}
		got = append(got, strings.Join(cells, ","))
	}
	want := []string{"1,a,1.5,NULL", "2,b,2.25,NULL", "1,a,1.5,NULL", "3,c,3.5,c@x"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}

func TestCorruptFileIsReportedAndLeftInPlace(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu"}, 4, 200)
	before := readSnapshot(ctx, t, tbl)
	garbage := "tables/orders/region_part=eu/broken.parquet"
	if _, err := store.Put(ctx, garbage, strings.NewReader("this is not parquet at all"), -1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// A file whose footer is fine but whose data pages are damaged.
	damaged := before.Keys[1]
	corruptPages(ctx, t, store, damaged)

	res, err := Compact(ctx, store, Options{Table: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(res.Problems, "\n")
	if len(res.Problems) != 2 || !strings.Contains(joined, garbage) || !strings.Contains(joined, damaged) {
		t.Fatalf("problems %q", res.Problems)
	}
	for _, k := range []string{garbage, damaged} {
		if _, err := store.Stat(ctx, k); err != nil {
			t.Fatalf("%s not left in place: %v", k, err)
		}
	}
	if res.InputFiles != 3 || res.Files != 1 || res.Rows != 600 {
		t.Fatalf("result %+v", res)
	}
}

// corruptPages overwrites the first page header of a file, keeping its
// footer intact.
func corruptPages(ctx context.Context, t *testing.T, store lake.Store, key string) {
	t.Helper()
	rc, err := store.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	for i := 4; i < 68 && i < len(b)/2; i++ {
		b[i] = 0xAB
	}
	if _, err := store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// denyDeleteStore refuses deletes under tables/, as a lake whose
// credentials lack s3:DeleteObject would.
type denyDeleteStore struct{ lake.Store }

func (s denyDeleteStore) Delete(ctx context.Context, key string) error {
	if strings.HasPrefix(key, "tables/") {
		return fmt.Errorf("delete %s: AccessDenied", key)
	}
	return s.Store.Delete(ctx, key)
}

func TestNoDeletePermissionFailsBeforeCommitAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	fs := fileStore(t)
	tbl := openTable(t, fs, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu"}, 4, 100)
	before := readSnapshot(ctx, t, tbl)
	_, err := Compact(ctx, denyDeleteStore{fs}, Options{Table: "orders"})
	if err == nil || !strings.Contains(err.Error(), "delete permission") {
		t.Fatalf("err %v, want a delete-permission error", err)
	}
	after := readSnapshot(ctx, t, tbl)
	if !slices.Equal(before.Keys, after.Keys) {
		t.Fatalf("files changed: %v -> %v", before.Keys, after.Keys)
	}
	var commits int
	_ = tbl.Commits(ctx, func(*table.CommitRecord) error { commits++; return nil })
	if commits != 1 {
		t.Fatalf("%d commits, want only the seed's", commits)
	}
}

func TestSortByOrdersRowsWithinEachOutput(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	tbl := openTable(t, store, "orders")
	seedPartitions(ctx, t, tbl, []string{""}, 5, 200)
	before := readSnapshot(ctx, t, tbl)
	res, err := Compact(ctx, store, Options{Table: "orders", SortBy: []string{"qty", "id"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partitions[0].Sorted || res.Files != 1 {
		t.Fatalf("result %+v", res)
	}
	sameData(t, before, readSnapshot(ctx, t, tbl))
	out := res.Partitions[0].Outputs[0]
	oi, _ := store.Stat(ctx, out)
	r, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, store, out, oi.Size), oi.Size)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	prev := [2]int64{-1, -1}
	buf := make([]schema.Row, 256)
	for {
		n, err := r.Read(buf)
		if err != nil {
			break
		}
		for _, row := range buf[:n] {
			cur := [2]int64{int64(row[4].Int32()), row[0].Int64()}
			if cur[0] < prev[0] || cur[0] == prev[0] && cur[1] < prev[1] {
				t.Fatalf("row (qty %d, id %d) after (%d, %d)", cur[0], cur[1], prev[0], prev[1])
			}
			prev = cur
		}
	}
	if _, err := Compact(ctx, store, Options{Table: "orders", SortBy: []string{"nope"}}); err != nil {
		t.Fatalf("a run with nothing to do must not fail: %v", err)
	}
}

// countingProbeStore counts the delete-permission probes written.
type countingProbeStore struct {
	lake.Store
	probes *atomic.Int64
}

func (s countingProbeStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts lake.PutOptions) (lake.ObjectInfo, error) {
	if strings.Contains(key, "_lakectl-probe-") {
		s.probes.Add(1)
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

// A run checks delete permission once, not once per partition: on S3
// each probe is a PUT and a DELETE.
func TestDeletePermissionProbedOncePerRun(t *testing.T) {
	ctx := context.Background()
	fs := fileStore(t)
	tbl := openTable(t, fs, "orders")
	seedPartitions(ctx, t, tbl, []string{"region_part=eu", "region_part=us", "region_part=ap"}, 3, 50)
	var probes atomic.Int64
	res, err := Compact(ctx, countingProbeStore{fs, &probes}, Options{Table: "orders"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Partitions) != 3 || probes.Load() != 1 {
		t.Fatalf("%d partitions compacted with %d probes, want 3 with 1", len(res.Partitions), probes.Load())
	}
	left := 0
	_ = fs.List(ctx, "", func(oi lake.ObjectInfo) error {
		if strings.Contains(oi.Key, "_lakectl-probe-") {
			left++
		}
		return nil
	})
	if left != 0 {
		t.Fatalf("%d probes left in the lake", left)
	}
}

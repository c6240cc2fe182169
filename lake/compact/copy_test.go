package compact

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// Input row groups already large are copied into the output as they are
// (their column chunks' bytes, not decoded), the small ones between them
// merged; DuckDB, reading the table before and after, sees the same rows.
func TestLargeRowGroupsAreCopiedVerbatim(t *testing.T) {
	ctx := context.Background()
	dir, store := dirStore(t)
	setCopyRowGroupBytes(t, 40<<10) // a 4,000-row file's one row group, not a 200-row one's
	tbl := openTable(t, store, "bench")
	var batches [][]schema.Row
	id := 0
	for _, n := range []int{4000, 200, 200, 4000, 200, 4000} {
		batches = append(batches, mixedRows(id, n))
		id += n
	}
	keys := writeFiles(ctx, t, tbl, mixedSchema, "region_part=eu", batches)
	var large [][]byte // each large input's column chunks, as stored
	for i, k := range keys {
		if len(batches[i]) == 4000 {
			large = append(large, chunkBytes(t, filepath.Join(dir, k))...)
		}
	}
	before := duckFingerprint(t, dir)
	res, err := Compact(ctx, store, Options{Table: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 1 || res.InputFiles != 6 {
		t.Fatalf("result %+v, want 6 inputs in 1 output", res)
	}
	if after := duckFingerprint(t, dir); after != before {
		t.Fatalf("DuckDB reads\n%s\nafter compaction, want\n%s", after, before)
	}
	out := filepath.Join(dir, res.Partitions[0].Outputs[0])
	got := chunkBytes(t, out)
	if rgs := len(got) / len(mixedSchema.Columns); rgs != 5 {
		t.Fatalf("output has %d row groups, want 5 (3 copied, 2 merged)", rgs)
	}
	for i, want := range large {
		found := false
		for _, g := range got {
			found = found || bytes.Equal(g, want)
		}
		if !found {
			t.Fatalf("column chunk %d of the large inputs is not in the output as it was", i)
		}
	}
}

// setCopyRowGroupBytes sets copyRowGroupBytes for the test.
func setCopyRowGroupBytes(t *testing.T, n int64) {
	old := copyRowGroupBytes
	copyRowGroupBytes = n
	t.Cleanup(func() { copyRowGroupBytes = old })
}

// chunkBytes returns the bytes of every column chunk of a file, row group
// by row group.
func chunkBytes(t *testing.T, path string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			md := cc.MetaData
			start := md.DataPageOffset
			if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
				start = md.DictionaryPageOffset
			}
			out = append(out, data[start:start+md.TotalCompressedSize])
		}
	}
	return out
}

// Another tool's row groups, however large, are merged when its schema's
// nodes are not the output's (DuckDB's are not: no copy is tried, which
// parquet-go would refuse): DuckDB reads the same rows.
func TestLargeRowGroupsOfDuckDBFilesKeepRows(t *testing.T) {
	ctx := context.Background()
	dir, store := dirStore(t)
	setCopyRowGroupBytes(t, 1) // every row group is large
	seedDuck(ctx, t, dir, store, benchSize{files: 10, rows: 400})
	before := duckFingerprint(t, dir)
	res, err := Compact(ctx, store, Options{Table: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 10*400 || res.InputFiles != 10 {
		t.Fatalf("result %+v", res)
	}
	if after := duckFingerprint(t, dir); after != before {
		t.Fatalf("DuckDB reads\n%s\nafter compaction, want\n%s", after, before)
	}
}

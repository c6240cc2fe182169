package warehouse

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// lakeFile is one live Parquet file of a lake table.
type lakeFile struct {
	Key       string
	Size      int64
	ETag      string
	Partition string      // "created_at_day=2024-01-01", "" when unpartitioned
	PartKV    [][2]string // the partition's folder key=value pairs (values unescaped)
}

// segment is a run of rows of a leaf file inside a live file (lineage).
type segment = table.Segment

// lakeTable is what a load reads of the lake, all through lake/table and
// lake/parquetfile.
type lakeTable struct {
	store  lake.Store
	tbl    *table.Table
	folder folderSpec
	// cache keeps files the plan read whole for staging (nil: none).
	cache *fileCache
}

func openLakeTable(store lake.Store, name string) (lakeTable, error) {
	tbl, err := table.Open(store, name)
	if err != nil {
		return lakeTable{}, err
	}
	return lakeTable{store: store, tbl: tbl}, nil
}

// Files lists the live files in key order. The listing of one table is
// held in memory: a load needs it whole to subtract the ledger.
func (t lakeTable) Files(ctx context.Context) ([]lakeFile, error) {
	var out []lakeFile
	err := t.tbl.Files(ctx, func(f table.File) error {
		lf := lakeFile{Key: f.Key, Size: f.Size, ETag: f.ETag, Partition: f.Partition}
		if f.Partition != "" {
			for _, seg := range strings.Split(f.Partition, "/") {
				k, v, _ := strings.Cut(seg, "=")
				if uv, err := url.PathUnescape(v); err == nil {
					v = uv
				}
				lf.PartKV = append(lf.PartKV, [2]string{k, v})
			}
		}
		out = append(out, lf)
		return nil
	})
	return out, err
}

// commitReads is how many commit records a plan reads at once.
const commitReads = 32

// readCommits reads the commit records that the lineage of files needs,
// each once and commitReads at a time, so that Lineage then finds them
// in the table's cache instead of one round trip per commit in turn.
// Errors are left to Lineage, which names the file.
func (t lakeTable) readCommits(ctx context.Context, files []lakeFile) {
	seen := map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(commitReads)
	for _, f := range files {
		txid := table.TxIDOfFile(f.Key)
		if txid == "" || seen[txid] {
			continue
		}
		seen[txid] = true
		g.Go(func() error {
			_, _ = t.tbl.Commit(gctx, txid)
			return nil
		})
	}
	_ = g.Wait()
}

// Lineage is the file's leaf segments (itself for a leaf).
func (t lakeTable) Lineage(ctx context.Context, f lakeFile) ([]segment, error) {
	return t.tbl.Lineage(ctx, f.Key)
}

// Footer reads the file's schema, row count and, when the file records
// it, the maximum byte length of its string columns (nil otherwise).
func (t lakeTable) Footer(ctx context.Context, f lakeFile) (schema.Schema, int64, map[string]int, error) {
	ft, err := parquetfile.ReadFooterFrom(ctx, t.store, f.Key, f.Size)
	if err != nil {
		return schema.Schema{}, 0, nil, fmt.Errorf("read footer of %s: %w", f.Key, err)
	}
	m, _ := parquetfile.MaxBytes(ft.KeyValue)
	return ft.Schema, ft.Rows, m, nil
}

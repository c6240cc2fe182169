package table

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
)

// File is one live data file of a table.
type File struct {
	Key       string `json:"key"`       // tables/<table>/[<partition>/]<name>.parquet
	Size      int64  `json:"size"`      // bytes
	ETag      string `json:"etag"`      // changes when the content does
	Partition string `json:"partition"` // folder under the table, "" when unpartitioned
}

// Files calls fn for every live file of the table (every .parquet object
// under tables/<table>/, lakectl's or another tool's), in key order,
// streaming the listing. An error from fn stops it and is returned.
func (t *Table) Files(ctx context.Context, fn func(File) error) error {
	prefix := t.Prefix()
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		rel := strings.TrimPrefix(oi.Key, prefix)
		base := path.Base(rel)
		if !strings.HasSuffix(base, ".parquet") || strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
			return nil
		}
		part := path.Dir(rel)
		if part == "." {
			part = ""
		}
		return fn(File{Key: oi.Key, Size: oi.Size, ETag: oi.ETag, Partition: part})
	})
	if err != nil {
		return fmt.Errorf("list files of table %s: %w", t.name, err)
	}
	return nil
}

// PartitionSummary describes one partition's live files.
type PartitionSummary struct {
	Partition  string `json:"partition"` // "" when unpartitioned
	Files      int    `json:"files"`
	Bytes      int64  `json:"bytes"`
	Rows       int64  `json:"rows"`        // from the files' footers
	SmallFiles int    `json:"small_files"` // files under the small-file threshold
}

// DefaultSmallFileBytes is the small-file threshold Partitions uses when
// given 0: a quarter of the default target file size.
const DefaultSmallFileBytes = DefaultTargetFileBytes / 4

// footerReaders bounds the footers Partitions reads at once.
const footerReaders = 8

// Partitions summarizes the table per partition, in partition order. Rows
// come from the Parquet footers, read in parallel (ranged reads only).
// Files smaller than smallBelow bytes (0: DefaultSmallFileBytes) count as
// small.
func (t *Table) Partitions(ctx context.Context, smallBelow int64) ([]PartitionSummary, error) {
	if smallBelow <= 0 {
		smallBelow = DefaultSmallFileBytes
	}
	var (
		mu    sync.Mutex
		parts = map[string]*PartitionSummary{}
	)
	g, gctx := errgroup.WithContext(ctx)
	files := make(chan File, footerReaders)
	for range footerReaders {
		g.Go(func() error {
			for f := range files {
				ft, err := parquetfile.ReadFooterFrom(gctx, t.store, f.Key, f.Size)
				if err != nil {
					return fmt.Errorf("summarize table %s: %w", t.name, err)
				}
				mu.Lock()
				parts[f.Partition].Rows += ft.Rows
				mu.Unlock()
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(files)
		return t.Files(gctx, func(f File) error {
			mu.Lock()
			p := parts[f.Partition]
			if p == nil {
				p = &PartitionSummary{Partition: f.Partition}
				parts[f.Partition] = p
			}
			p.Files++
			p.Bytes += f.Size
			if f.Size < smallBelow {
				p.SmallFiles++
			}
			mu.Unlock()
			select {
			case files <- f:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]PartitionSummary, 0, len(parts))
	for _, p := range parts {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Partition < out[j].Partition })
	return out, nil
}

// Lineage returns the segments of a file of the table: for a compaction
// output, the leaf files (and row counts) whose rows it holds in order; for
// any other file, itself with its row count. Files of other tools, or
// whose commit record is gone, count as leaves with rows from the footer.
func (t *Table) Lineage(ctx context.Context, key string) ([]Segment, error) {
	if txid := TxIDOfFile(key); txid != "" {
		rec, err := t.Commit(ctx, txid)
		if err != nil && !errors.Is(err, lake.ErrNotExist) {
			return nil, fmt.Errorf("lineage of %s: %w", key, err)
		}
		if err == nil && !rec.Aborted {
			for _, e := range rec.Added {
				if e.Key != key {
					continue
				}
				if len(e.Lineage) > 0 {
					return append([]Segment(nil), e.Lineage...), nil
				}
				return []Segment{{File: key, Rows: e.Rows}}, nil
			}
		}
	}
	oi, err := t.store.Stat(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("lineage of %s: %w", key, err)
	}
	ft, err := parquetfile.ReadFooterFrom(ctx, t.store, key, oi.Size)
	if err != nil {
		return nil, fmt.Errorf("lineage of %s: %w", key, err)
	}
	return []Segment{{File: key, Rows: ft.Rows}}, nil
}

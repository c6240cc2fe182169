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
	Rows       int64  `json:"rows"`        // from commit records or footers
	SmallFiles int    `json:"small_files"` // files under the small-file threshold
}

// DefaultSmallFileBytes is the small-file threshold Partitions uses when
// given 0: a quarter of the default target file size.
const DefaultSmallFileBytes = DefaultTargetFileBytes / 4

// footerReaders bounds the footers Partitions reads at once.
const footerReaders = 8

// Partitions summarizes the table per partition, in partition order. Rows
// of lakectl's files come from their commit records (one GET per commit),
// of the others from their Parquet footers, read in parallel (ranged reads
// only). Files smaller than smallBelow bytes (0: DefaultSmallFileBytes)
// count as small.
func (t *Table) Partitions(ctx context.Context, smallBelow int64) ([]PartitionSummary, error) {
	if smallBelow <= 0 {
		smallBelow = DefaultSmallFileBytes
	}
	parts := map[string]*PartitionSummary{}
	var files []File
	// Commit records are read while the listing goes on.
	d := t.NewDescriber(ctx)
	err := t.Files(ctx, func(f File) error {
		d.Add(f)
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
		files = append(files, f)
		return nil
	})
	described, _, derr := d.Wait()
	if err != nil {
		return nil, err
	}
	if err := derr; err != nil {
		return nil, fmt.Errorf("summarize table %s: %w", t.name, err)
	}
	var rest []File
	for _, f := range files {
		if d, ok := described[f.Key]; ok {
			parts[f.Partition].Rows += d.Rows
		} else {
			rest = append(rest, f)
		}
	}
	if err := t.footerRows(ctx, rest, parts); err != nil {
		return nil, err
	}
	out := make([]PartitionSummary, 0, len(parts))
	for _, p := range parts {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Partition < out[j].Partition })
	return out, nil
}

// footerRows adds the row counts of files' footers to their partitions,
// footerReaders at a time.
func (t *Table) footerRows(ctx context.Context, files []File, parts map[string]*PartitionSummary) error {
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(footerReaders)
	for _, f := range files {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			ft, err := parquetfile.ReadFooterFrom(gctx, t.store, f.Key, f.Size)
			if err != nil {
				return fmt.Errorf("summarize table %s: %w", t.name, err)
			}
			mu.Lock()
			parts[f.Partition].Rows += ft.Rows
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
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

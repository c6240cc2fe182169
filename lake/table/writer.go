package table

import (
	"context"
	"fmt"
	"io"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// Writer defaults.
const (
	DefaultTargetFileBytes = 128 << 20
	// DefaultMaxOpenPartitions bounds the partition files open at once;
	// the least recently used is finished when another must open.
	DefaultMaxOpenPartitions = 32
	// partitionedRowGroupBytes is the default row-group buffer of each
	// open file of a partitioned writer, so that open files times buffer
	// stays near 256 MiB.
	partitionedRowGroupBytes = 8 << 20
)

// WriterOptions configure Tx.NewWriter. The zero value writes unpartitioned
// snappy files of about 128 MiB.
type WriterOptions struct {
	Partition PartitionRule // zero: no partition folders
	// TargetFileBytes cuts a file once its size reaches it (default
	// DefaultTargetFileBytes).
	TargetFileBytes int64
	// RowGroupBytes is each open file's row-group buffer (default
	// parquetfile.DefaultRowGroupBytes unpartitioned, 8 MiB partitioned).
	RowGroupBytes int64
	Codec         string // "snappy" (default), "zstd", "gzip", "none"
	// MaxOpenPartitions bounds the files open at once (default
	// DefaultMaxOpenPartitions).
	MaxOpenPartitions int
	Progress          progress.Reporter // rows and bytes written; nil: none
	// NoStatistics names long-text columns to write without min/max
	// statistics (parquetfile.Options.NoStatistics).
	NoStatistics []string
}

// WriterStats count what a Writer wrote.
type WriterStats struct {
	Rows  int64 `json:"rows"`
	Files int   `json:"files"` // finished files
	Bytes int64 `json:"bytes"` // bytes of finished files
}

// Writer writes rows of one schema into the transaction's staged files,
// one Parquet file per partition at a time, cut at TargetFileBytes. Each
// file streams to the store as it is written, so memory stays bounded by
// the open files' row-group buffers. Not safe for concurrent use. Close it
// always, even after an error.
type Writer struct {
	tx     *Tx
	schema schema.Schema
	opts   WriterOptions
	part   *partitioner
	open   map[string]*openFile
	clock  uint64
	stats  WriterStats
	err    error // sticky
	closed bool
	batch  map[string][]schema.Row
	order  []string
}

// openFile is one file being written: a Parquet writer streaming through a
// pipe into store.Put.
type openFile struct {
	partition string
	key       string
	pw        *parquetfile.Writer
	pipe      *io.PipeWriter
	cancel    context.CancelFunc
	done      chan error
	lastUse   uint64
}

// NewWriter returns a writer of rows of schema s into the transaction.
// Its files are added to the transaction by Close; Commit refuses to run
// while a writer is open. A bad partition rule is a usage error.
func (tx *Tx) NewWriter(s schema.Schema, opts WriterOptions) (*Writer, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("new writer for %s: %w", tx.tbl.name, err)
	}
	part, err := newPartitioner(opts.Partition, s)
	if err != nil {
		return nil, err
	}
	if opts.TargetFileBytes <= 0 {
		opts.TargetFileBytes = DefaultTargetFileBytes
	}
	if opts.MaxOpenPartitions <= 0 {
		opts.MaxOpenPartitions = DefaultMaxOpenPartitions
	}
	if opts.RowGroupBytes <= 0 && part != nil {
		opts.RowGroupBytes = partitionedRowGroupBytes
	}
	opts.Progress = progress.OrNop(opts.Progress)
	tx.mu.Lock()
	if err := tx.checkOpen(); err != nil {
		tx.mu.Unlock()
		return nil, err
	}
	tx.writers++
	tx.mu.Unlock()
	tx.SetSchema(s)
	return &Writer{tx: tx, schema: s, opts: opts, part: part, open: map[string]*openFile{}, batch: map[string][]schema.Row{}}, nil
}

// Write adds rows (values in schema order). The Writer keeps no reference
// to them after it returns.
func (w *Writer) Write(ctx context.Context, rows []schema.Row) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("write to %s: writer is closed", w.tx.tbl.name)
	}
	if len(rows) == 0 {
		return nil
	}
	if w.part == nil {
		w.err = w.writePart(ctx, "", rows)
		return w.err
	}
	// Group by folder, keeping row order within each partition.
	for _, r := range rows {
		if len(r) != len(w.schema.Columns) {
			w.err = fmt.Errorf("write to %s: row has %d values, schema has %d columns", w.tx.tbl.name, len(r), len(w.schema.Columns))
			return w.err
		}
		f := w.part.folder(r)
		if _, ok := w.batch[f]; !ok {
			w.order = append(w.order, f)
		}
		w.batch[f] = append(w.batch[f], r)
	}
	for _, f := range w.order {
		if w.err == nil {
			w.err = w.writePart(ctx, f, w.batch[f])
		}
		clear(w.batch[f])
		delete(w.batch, f)
	}
	w.order = w.order[:0]
	return w.err
}

func (w *Writer) writePart(ctx context.Context, partition string, rows []schema.Row) error {
	of, err := w.file(ctx, partition)
	if err != nil {
		return err
	}
	if _, err := of.pw.Write(rows); err != nil {
		return fmt.Errorf("write %s: %w", of.key, err)
	}
	w.stats.Rows += int64(len(rows))
	w.opts.Progress.Add(int64(len(rows)), 0)
	if of.pw.EstimatedSize() >= w.opts.TargetFileBytes {
		return w.finish(of)
	}
	return nil
}

// file returns the open file of partition, opening one (and finishing the
// least recently used when too many are open).
func (w *Writer) file(ctx context.Context, partition string) (*openFile, error) {
	w.clock++
	if of := w.open[partition]; of != nil {
		of.lastUse = w.clock
		return of, nil
	}
	if len(w.open) >= w.opts.MaxOpenPartitions {
		var lru *openFile
		for _, of := range w.open {
			if lru == nil || of.lastUse < lru.lastUse {
				lru = of
			}
		}
		if err := w.finish(lru); err != nil {
			return nil, err
		}
	}
	key := w.tx.NewFileKey(partition)
	pr, pwr := io.Pipe()
	of := &openFile{partition: partition, key: key, pipe: pwr, done: make(chan error, 1), lastUse: w.clock}
	pw, err := parquetfile.NewWriter(pwr, w.schema, parquetfile.Options{Codec: w.opts.Codec, RowGroupBytes: w.opts.RowGroupBytes, NoStatistics: w.opts.NoStatistics})
	if err != nil {
		return nil, fmt.Errorf("new file %s: %w", key, err)
	}
	of.pw = pw
	pctx, cancel := context.WithCancel(ctx)
	of.cancel = cancel
	staging := w.tx.StagingKey(key)
	store := w.tx.tbl.store
	go func() {
		_, err := store.Put(pctx, staging, pr, -1, lake.PutOptions{})
		// Unblock the writer if Put stopped reading early; it then sees
		// Put's own error (a full disk, a lost endpoint), not "read/write
		// on closed pipe".
		cause := io.ErrClosedPipe
		if err != nil {
			cause = fmt.Errorf("upload %s: %w", key, err)
		}
		_ = pr.CloseWithError(cause)
		of.done <- err
	}()
	w.open[partition] = of
	return of, nil
}

// finish closes a file, waits for its upload and adds it to the
// transaction.
func (w *Writer) finish(of *openFile) error {
	delete(w.open, of.partition)
	defer of.cancel()
	err := of.pw.Close()
	if err != nil {
		_ = of.pipe.CloseWithError(err)
		<-of.done
		return fmt.Errorf("finish %s: %w", of.key, err)
	}
	_ = of.pipe.Close()
	if err := <-of.done; err != nil {
		return fmt.Errorf("upload %s: %w", of.key, err)
	}
	e := FileEntry{Key: of.key, Size: of.pw.BytesWritten(), Rows: of.pw.Rows(), Partition: of.partition, SchemaFingerprint: w.schema.Fingerprint(),
		MaxBytes: of.pw.MaxBytes()}
	if err := w.tx.addFiles(e); err != nil {
		return err
	}
	w.stats.Files++
	w.stats.Bytes += e.Size
	w.opts.Progress.Add(0, e.Size)
	return nil
}

// abandon stops an open file without keeping it.
func (w *Writer) abandon(of *openFile) {
	delete(w.open, of.partition)
	_ = of.pipe.CloseWithError(fmt.Errorf("writer of %s abandoned", w.tx.tbl.name))
	of.cancel()
	<-of.done
}

// Close finishes every open file and adds them to the transaction. After
// an earlier error it abandons the open files and returns that error.
func (w *Writer) Close(ctx context.Context) error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer func() {
		w.tx.mu.Lock()
		w.tx.writers--
		w.tx.mu.Unlock()
	}()
	for _, of := range w.open {
		if w.err == nil {
			w.err = ctx.Err()
		}
		if w.err == nil {
			w.err = w.finish(of)
		} else {
			w.abandon(of)
		}
	}
	return w.err
}

// Stats returns what the writer has written so far.
func (w *Writer) Stats() WriterStats { return w.stats }

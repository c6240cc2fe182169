package compact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

const (
	// rowGroupBytes is the input bytes merged into one output row group:
	// large row groups for engines, one row group buffered at a time.
	rowGroupBytes = 32 << 20
	// prefetch is how many input files are opened ahead (footer and, for
	// files under a MiB, the whole file in one GET).
	prefetch = 8
	// rowBatch is the rows converted per step on the row path.
	rowBatch = 1024
)

// codecOf checks Options.Codec: "" means the inputs' codec.
func codecOf(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if err := parquetfile.CheckCodec(name); err != nil {
		return "", err
	}
	return name, nil
}

// openInput is one input file opened for reading.
type openInput struct {
	in   *inputFile
	file *parquet.File
	ra   io.ReaderAt
	err  error // opening failed: the file is at fault (see badInputError)
}

// badInputError says which input broke an output, so that the output can
// be rebuilt without it and the file reported.
type badInputError struct {
	key string
	err error
}

func (e *badInputError) Error() string { return fmt.Sprintf("%s: %v", e.key, e.err) }
func (e *badInputError) Unwrap() error { return e.err }

// output describes one written output file.
type output struct {
	rows     int64
	bytes    int64
	maxBytes map[string]int // the footer's parquetfile.KeyMaxBytes
}

// writeOutput writes the rows of inputs, in order, to the file at
// stagingKey with the union schema: identical-schema inputs through
// parquet-go's column-oriented merge (row groups already large copied
// verbatim, small ones packed and re-encoded column by column), the others
// converted row by row. With sortBy the rows are
// sorted in memory first. A *badInputError names an input that could not
// be read; the staged object is then not created.
func writeOutput(ctx context.Context, store lake.Store, stagingKey string, union schema.Schema, inputs []*inputFile, codecName string, sortBy []string, onRows func(rows, bytes int64)) (output, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pschema, err := parquetfile.ParquetSchema(union)
	if err != nil {
		return output{}, fmt.Errorf("output schema: %w", err)
	}
	opened, openers := openAhead(ctx, store, inputs)
	// The openers are done with the inputs when this returns (the caller
	// then releases their cached bytes).
	defer func() { cancel(); openers.Wait() }()

	first, ok := <-opened
	if !ok {
		return output{}, ctx.Err()
	}
	if first.err != nil {
		return output{}, &badInputError{key: first.in.Key, err: first.err}
	}
	codec, err := codecOf(codecName)
	if err != nil {
		return output{}, err
	}
	if codec == "" {
		codec = fileCodec(first.file)
	}

	pr, pw := io.Pipe()
	put := make(chan error, 1)
	go func() {
		_, err := store.Put(ctx, stagingKey, pr, -1, lake.PutOptions{})
		_ = pr.CloseWithError(err)
		put <- err
	}()
	w, err := parquetfile.NewWriter(pw, union, parquetfile.Options{Codec: codec, RowGroupBytes: rowGroupBytes, NoStatistics: unboundedStrings(first.file, union)})
	if err != nil {
		_ = pw.CloseWithError(err)
		<-put
		return output{}, err
	}
	ow := &outWriter{w: w, schema: pschema, union: union, sortBy: sortBy, onRows: onRows}
	if len(sortBy) > 0 {
		if ow.sorter, err = newSorter(union, pschema, sortBy); err != nil {
			_ = pw.CloseWithError(err)
			<-put
			return output{}, err
		}
	}
	werr := ow.add(first)
	for oi := range opened {
		if werr != nil {
			continue // drain: openAhead stops on cancel
		}
		if oi.err != nil {
			werr = &badInputError{key: oi.in.Key, err: oi.err}
			cancel()
			continue
		}
		werr = ow.add(oi)
		if werr != nil {
			cancel()
		}
	}
	if werr == nil {
		werr = ow.finish()
	}
	if werr == nil {
		werr = w.Close()
	}
	if werr != nil {
		_ = pw.CloseWithError(werr)
		<-put
		return output{}, werr
	}
	_ = pw.Close()
	if err := <-put; err != nil {
		return output{}, fmt.Errorf("write %s: %w", stagingKey, err)
	}
	return output{rows: ow.rows, bytes: w.BytesWritten(), maxBytes: w.MaxBytes()}, nil
}

// openAhead opens the inputs in order, prefetch at a time, and sends them
// in input order. It stops when ctx is cancelled.
func openAhead(ctx context.Context, store lake.Store, inputs []*inputFile) (<-chan openInput, *sync.WaitGroup) {
	out := make(chan openInput, prefetch)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		slots := make([]chan openInput, len(inputs))
		for i := range slots {
			slots[i] = make(chan openInput, 1)
		}
		// tokens bound the files opened but not yet handed on.
		tokens := make(chan struct{}, prefetch)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, in := range inputs {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					slots[i] <- openFile(ctx, store, in)
				}()
			}
		}()
		for i := range inputs {
			select {
			case oi := <-slots[i]:
				<-tokens
				select {
				case out <- oi:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, &wg
}

func openFile(ctx context.Context, store lake.Store, in *inputFile) openInput {
	if in.pf != nil {
		return openInput{in: in, file: in.pf, ra: bytes.NewReader(in.data)}
	}
	var ra io.ReaderAt = bytes.NewReader(in.data)
	if in.data == nil {
		ra = parquetfile.StoreReaderAt(ctx, store, in.Key, in.Size)
	}
	f, err := openParquet(ra, in.Size)
	if err != nil {
		return openInput{in: in, err: fmt.Errorf("open parquet file: %w", err)}
	}
	return openInput{in: in, file: f, ra: ra}
}

// openParquet opens an input for reading its row groups in order: no
// bloom filters, and the page index only where a column chunk is copied
// (parquet-go then reads it). A file in memory is read with parquet-go's
// smallest buffer, so that a page is copied once out of it, not through a
// buffer first; a file in the store with 1 MiB reads.
func openParquet(ra io.ReaderAt, size int64) (*parquet.File, error) {
	buf := 1 << 20
	if _, inMemory := ra.(*bytes.Reader); inMemory {
		buf = 4 << 10
	}
	return parquet.OpenFile(ra, size, parquet.SkipBloomFilters(true), parquet.SkipPageIndex(true), parquet.ReadBufferSize(buf))
}

// fileCodec is the codec name of a file's first column chunk: snappy when
// the file has none or a codec the writer does not write.
func fileCodec(f *parquet.File) string {
	md := f.Metadata()
	if len(md.RowGroups) > 0 && len(md.RowGroups[0].Columns) > 0 {
		if name := parquetfile.CodecName(md.RowGroups[0].Columns[0].MetaData.Codec); name != "" {
			return name
		}
	}
	return "snappy"
}

// outWriter feeds inputs to the output writer, batching identical-schema
// row groups into one merge per output row group.
type outWriter struct {
	w        *parquetfile.Writer
	schema   *parquet.Schema
	union    schema.Schema
	sortBy   []string
	sorter   *sorter
	onRows   func(rows, bytes int64)
	pending  []colGroup
	pendKeys []string // per pending group, its input's key
	pendIn   []openInput
	pendSize int64
	buffered int64 // bytes of input written by the row path since the last flush
	rows     int64
	rowBuf   []schema.Row
	outBuf   []schema.Row
}

func (o *outWriter) add(oi openInput) error {
	if o.sorter != nil {
		return o.rowPath(oi)
	}
	rgs, ok := o.columnGroups(oi)
	if !ok {
		if err := o.flushPending(); err != nil {
			return err
		}
		return o.rowPath(oi)
	}
	sizes := oi.file.Metadata().RowGroups
	for i, g := range rgs {
		size := sizes[i].TotalCompressedSize
		if o.copyable(g, size) {
			if err := o.copyRowGroup(oi, g, size); err != nil {
				return err
			}
			continue
		}
		if o.pendSize > 0 && o.pendSize+size > rowGroupBytes {
			if err := o.flushPending(); err != nil {
				return err
			}
		}
		o.pending = append(o.pending, g)
		o.pendKeys = append(o.pendKeys, oi.in.Key)
		if n := len(o.pendIn); n == 0 || o.pendIn[n-1].in != oi.in {
			o.pendIn = append(o.pendIn, oi)
		}
		o.pendSize += size
	}
	return nil
}

// copyRowGroupBytes: an input row group of at least this many (compressed)
// bytes is large enough to be an output row group of its own, so it is
// written as it is (copyRowGroup) instead of merged with its neighbours.
// A variable for tests.
var copyRowGroupBytes int64 = rowGroupBytes / 2

// noCopy turns copyRowGroup off (benchmarks compare it with merging).
var noCopy bool

// copyable reports whether g, of size compressed bytes, is written as a
// row group of its own: it is large and stored exactly as the output's
// columns are, so parquet-go's WriteRowGroup can copy its column chunks'
// bytes without decoding them (when their codec and encodings are the
// output's; other large row groups are re-encoded column by column,
// alone).
func (o *outWriter) copyable(g colGroup, size int64) bool {
	return !noCopy && size >= copyRowGroupBytes && g.identity() && parquet.EqualNodes(o.schema, g.rg.Schema())
}

// copyRowGroup writes g, a row group of oi, as an output row group of its
// own after the pending ones.
func (o *outWriter) copyRowGroup(oi openInput, g colGroup, size int64) error {
	if err := o.flushPending(); err != nil {
		return err
	}
	if o.buffered > 0 {
		if err := o.w.Flush(); err != nil {
			return err
		}
		o.buffered = 0
	}
	known, _ := parquetfile.MaxBytes(keyValues(oi.file))
	n, err := o.w.WriteRowGroup(g.rg, known)
	if err != nil {
		return o.blame([]openInput{oi}, fmt.Errorf("write row group: %w", err))
	}
	o.rows += n
	o.onRows(n, size)
	return nil
}

// keyValues is a file's key-value metadata as a map.
func keyValues(f *parquet.File) map[string]string {
	kv := f.Metadata().KeyValueMetadata
	m := make(map[string]string, len(kv))
	for _, e := range kv {
		m[e.Key] = e.Value
	}
	return m
}

// flushPending writes the batched row groups as one row group, column by
// column; a lone one stored as the output's columns is copied instead.
func (o *outWriter) flushPending() error {
	if len(o.pending) == 0 {
		return nil
	}
	if len(o.pending) == 1 && o.copyable(o.pending[0], copyRowGroupBytes) {
		oi, g, size := o.pendIn[0], o.pending[0], o.pendSize
		o.pending, o.pendKeys, o.pendIn, o.pendSize = o.pending[:0], o.pendKeys[:0], o.pendIn[:0], 0
		return o.copyRowGroup(oi, g, size)
	}
	if o.buffered > 0 {
		if err := o.w.Flush(); err != nil {
			return err
		}
		o.buffered = 0
	}
	n, err := o.w.WriteColumns(func(c int, write func([]parquet.Value) error) error {
		return fillColumn(c, o.pending, o.pendKeys, write)
	})
	if bad, ok := errors.AsType[*badInputError](err); ok {
		return bad
	}
	if err != nil {
		return o.blame(o.pendIn, fmt.Errorf("write row group: %w", err))
	}
	o.rows += n
	o.onRows(n, o.pendSize)
	o.pending, o.pendKeys, o.pendIn, o.pendSize = o.pending[:0], o.pendKeys[:0], o.pendIn[:0], 0
	return nil
}

// blame finds which of the inputs of a failed write cannot be read by
// reading each in full; it returns a *badInputError for the first such
// file, or err when every input reads (the failure was the output's).
func (o *outWriter) blame(inputs []openInput, err error) error {
	for _, oi := range inputs {
		r, oerr := parquetfile.OpenReader(oi.ra, oi.in.Size)
		if oerr != nil {
			return &badInputError{key: oi.in.Key, err: oerr}
		}
		buf := make([]schema.Row, rowBatch)
		for {
			_, rerr := r.Read(buf)
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				_ = r.Close()
				return &badInputError{key: oi.in.Key, err: rerr}
			}
		}
		_ = r.Close()
	}
	return err
}

// rowPath converts an input's rows to the union schema (or collects them
// for sorting) and writes them.
func (o *outWriter) rowPath(oi openInput) error {
	r, err := parquetfile.OpenReader(oi.ra, oi.in.Size)
	if err != nil {
		return &badInputError{key: oi.in.Key, err: err}
	}
	defer r.Close()
	m, err := newRowMap(r.Schema(), o.union)
	if err != nil {
		return &badInputError{key: oi.in.Key, err: err}
	}
	if o.rowBuf == nil {
		o.rowBuf = make([]schema.Row, rowBatch)
		o.outBuf = make([]schema.Row, rowBatch)
	}
	var rows int64
	for {
		n, err := r.Read(o.rowBuf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &badInputError{key: oi.in.Key, err: err}
		}
		for i := range n {
			o.outBuf[i] = m.apply(o.outBuf[i], o.rowBuf[i])
		}
		if o.sorter != nil {
			o.sorter.add(o.outBuf[:n])
		} else if _, err := o.w.Write(o.outBuf[:n]); err != nil {
			return fmt.Errorf("write rows: %w", err)
		}
		rows += int64(n)
	}
	if rows != oi.in.rows {
		return &badInputError{key: oi.in.Key, err: fmt.Errorf("read %d rows, its footer says %d", rows, oi.in.rows)}
	}
	if o.sorter != nil {
		o.onRows(0, oi.in.Size)
		return nil
	}
	o.rows += rows
	o.onRows(rows, oi.in.Size)
	o.buffered += oi.in.Size
	if o.buffered >= rowGroupBytes {
		if err := o.w.Flush(); err != nil {
			return err
		}
		o.buffered = 0
	}
	return nil
}

func (o *outWriter) finish() error {
	if o.sorter != nil {
		n, err := o.sorter.writeTo(o.w)
		o.rows += n
		o.onRows(n, 0)
		return err
	}
	return o.flushPending()
}

// unboundedStrings names the string columns of union that f, the first
// input, wrote without min/max statistics although they hold values: long
// text whose extract left its bounds out (parquetfile.Options.NoStatistics).
// The output leaves them out too, or compaction would store every blob's
// bounds whole again.
func unboundedStrings(f *parquet.File, union schema.Schema) []string {
	var out []string
	md := f.Metadata()
	for _, c := range union.Columns {
		if c.Type.Kind != schema.String {
			continue
		}
		seen, bounded := false, false
		for _, rg := range md.RowGroups {
			for _, cc := range rg.Columns {
				if len(cc.MetaData.PathInSchema) != 1 || !strings.EqualFold(cc.MetaData.PathInSchema[0], c.Name) {
					continue
				}
				st := cc.MetaData.Statistics
				if cc.MetaData.NumValues > st.NullCount {
					seen = true
					bounded = bounded || len(st.MinValue) > 0 || len(st.MaxValue) > 0 || len(st.Min) > 0 || len(st.Max) > 0
				}
			}
		}
		if seen && !bounded {
			out = append(out, c.Name)
		}
	}
	return out
}

// Package parquetfile writes and reads one Parquet file of lake rows: the
// lake schema's columns in declared order, values in lake/schema's physical
// form, the schema itself carried in the file's key-value metadata.
package parquetfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/lake/schema"
)

// Key-value metadata keys lakectl writes into every file.
const (
	KeySchema      = "lakectl.schema"             // the lake schema as JSON
	KeyFingerprint = "lakectl.schema_fingerprint" // schema.Schema.Fingerprint()
)

// DefaultRowGroupBytes bounds the memory a Writer buffers before it writes a
// row group (compressed pages plus the page being filled).
const DefaultRowGroupBytes = 64 << 20

const (
	batchRows    = 4096 // rows transposed to columns per step
	rowsPerWrite = 256  // rows per column write: pages are cut between writes
)

// Options configure a Writer. The zero value is usable.
type Options struct {
	// Codec is "snappy" (default), "zstd", "gzip" or "none".
	Codec string
	// RowGroupBytes flushes a row group when the buffered size reaches it
	// (default DefaultRowGroupBytes). It is the Writer's memory bound.
	RowGroupBytes int64
	// KeyValue is extra key-value metadata; lakectl's own keys win.
	KeyValue map[string]string
	// Parallelism is how many goroutines encode and compress columns
	// (default GOMAXPROCS, at most the number of columns).
	Parallelism int
	// NoStatistics names columns (besides bytes and json ones, which never
	// have any) that get no min/max statistics: long text, whose bounds
	// would be stored whole several times over (statsOptions).
	NoStatistics []string
}

// Writer writes rows of one lake schema to one Parquet file. It is not safe
// for concurrent use. Write copies what it needs before it returns, so
// callers may reuse rows and byte slices afterwards.
type Writer struct {
	schema   schema.Schema
	pw       *parquet.GenericWriter[any]
	columns  []*parquet.ColumnWriter
	checks   []valueCheck
	defLevel []int
	values   [][]parquet.Value // per column, one batch, levels set
	out      countingWriter
	rgBytes  int64
	rgBase   int64 // pw.Size() right after the last flush
	rows     int64
	workers  int
	maxBytes []int // per column, maxBytes.go; -1 when not recorded
	closed   bool
	err      error // sticky: the file is broken after a write error
}

// NewWriter starts a Parquet file of schema s on w. Nothing is written until
// the first row group is flushed or Close is called; Close writes the footer.
func NewWriter(w io.Writer, s schema.Schema, opts Options) (*Writer, error) {
	ps, err := ParquetSchema(s)
	if err != nil {
		return nil, err
	}
	codec, err := codecOf(opts.Codec)
	if err != nil {
		return nil, fmt.Errorf("parquet writer: %w", err)
	}
	schemaJSON, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("parquet writer: encode schema: %w", err)
	}
	wr := &Writer{schema: s, rgBytes: opts.RowGroupBytes}
	if wr.rgBytes <= 0 {
		wr.rgBytes = DefaultRowGroupBytes
	}
	wr.out.w = w
	config := []parquet.WriterOption{
		ps,
		parquet.Compression(codec),
		// Data page v1 is what Spark and parquet-mr write by default and
		// what every reader (Redshift COPY, Spectrum, Athena) handles.
		parquet.DataPageVersion(1),
		// PLAIN rather than parquet-go's default DELTA_LENGTH_BYTE_ARRAY
		// for strings: v1 encodings only, for the same readers.
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
		parquet.DefaultEncodingFor(parquet.FixedLenByteArray, &parquet.Plain),
	}
	config = append(config, statsOptions(s, opts.NoStatistics)...)
	for k, v := range opts.KeyValue {
		if k != KeySchema && k != KeyFingerprint && k != KeyMaxBytes {
			config = append(config, parquet.KeyValueMetadata(k, v))
		}
	}
	config = append(config,
		parquet.KeyValueMetadata(KeySchema, string(schemaJSON)),
		parquet.KeyValueMetadata(KeyFingerprint, s.Fingerprint()))
	wc, err := parquet.NewWriterConfig(config...)
	if err != nil {
		return nil, fmt.Errorf("parquet writer: %w", err)
	}
	wr.pw = parquet.NewGenericWriter[any](&wr.out, wc)
	wr.columns = wr.pw.ColumnWriters()
	n := len(s.Columns)
	wr.checks = make([]valueCheck, n)
	wr.defLevel = make([]int, n)
	wr.values = make([][]parquet.Value, n)
	wr.maxBytes = make([]int, n)
	for i, c := range s.Columns {
		if !sized(c.Type.Kind) {
			wr.maxBytes[i] = -1
		}
		wr.checks[i] = checkOf(c.Type)
		if c.Nullable {
			wr.defLevel[i] = 1
		}
		wr.values[i] = make([]parquet.Value, 0, batchRows)
	}
	wr.workers = opts.Parallelism
	if wr.workers <= 0 {
		wr.workers = runtime.GOMAXPROCS(0)
	}
	wr.workers = min(wr.workers, n)
	return wr, nil
}

func codecOf(name string) (compress.Codec, error) {
	switch strings.ToLower(name) {
	case "", "snappy":
		return &fastSnappy{}, nil
	case "zstd":
		return &parquet.Zstd, nil
	case "gzip":
		return &parquet.Gzip, nil
	case "none", "uncompressed":
		return &parquet.Uncompressed, nil
	}
	return nil, fmt.Errorf("unknown codec %q (want snappy, zstd, gzip or none)", name)
}

// CheckCodec returns an error unless name is a codec Options.Codec accepts.
func CheckCodec(name string) error {
	_, err := codecOf(name)
	return err
}

// CodecName is the Options.Codec name of a file's codec, or "" when the
// Writer does not write that codec (LZ4, Brotli: the caller picks one).
func CodecName(c format.CompressionCodec) string {
	switch c {
	case format.Snappy:
		return "snappy"
	case format.Zstd:
		return "zstd"
	case format.Gzip:
		return "gzip"
	case format.Uncompressed:
		return "none"
	}
	return ""
}

// Schema is the schema the Writer was created with.
func (w *Writer) Schema() schema.Schema { return w.schema }

// Rows is the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// BytesWritten is the number of (compressed) bytes handed to the output so
// far; after Close it is the file's size.
func (w *Writer) BytesWritten() int64 { return w.out.n }

// EstimatedSize is BytesWritten plus the buffered row group (its pages
// compressed, the pages being filled not yet): what the file would be if it
// were closed now, give or take the footer. Callers cut files on it.
func (w *Writer) EstimatedSize() int64 { return w.pw.Size() }

// Write appends rows, each with one value per column in schema order, built
// with lake/schema's constructors. A NULL in a NOT NULL column, a value of
// the wrong physical kind, or a row of the wrong length is an error naming
// the column and the row (counted from the start of the file); the rows of
// the failing batch of batchRows are then not written, earlier ones are.
func (w *Writer) Write(rows []schema.Row) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("parquet writer: write after close")
	}
	written := 0
	for len(rows) > 0 {
		n := min(len(rows), batchRows)
		if err := w.transpose(rows[:n]); err != nil {
			return written, err
		}
		if err := w.writeColumns(); err != nil {
			w.err = fmt.Errorf("parquet writer: %w", err)
			return written, w.err
		}
		w.rows += int64(n)
		written += n
		rows = rows[n:]
		if w.pw.Size()-w.rgBase >= w.rgBytes {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// transpose checks a batch and copies it into per-column value slices with
// Parquet levels set. Columns are independent, so they are transposed in
// parallel (the first phase of writeColumns); nothing is written to the
// column writers until every column of the batch has passed its checks.
func (w *Writer) transpose(rows []schema.Row) error {
	ncol := len(w.schema.Columns)
	for i, row := range rows {
		if len(row) != ncol {
			return fmt.Errorf("parquet writer: row %d has %d values, schema has %d columns", w.rows+int64(i), len(row), ncol)
		}
	}
	errs := w.parallel(func(c int) error { return w.transposeColumn(c, rows) })
	for _, err := range errs { // the first column's error, as a serial loop would report
		if err != nil {
			return err
		}
	}
	return nil
}

// transposeColumn fills w.values[c] from rows. Required columns keep the
// values' zero levels: parquet-go's leaf buffers of required columns read
// only the value bits, so the per-value Level call is skipped for them.
// Values are read in place (kindOf, levels.go): a copy of each into a
// local was a stalled store-to-load forward per value.
func (w *Writer) transposeColumn(c int, rows []schema.Row) error {
	vals := w.values[c][:len(rows)]
	check := &w.checks[c]
	kind := check.kind
	extra := check.length > 0 || check.max != 0
	required := w.defLevel[c] == 0
	for i, row := range rows {
		v := &row[c]
		def := byte(1)
		if k, null := kindOf(v); null {
			if required {
				return fmt.Errorf("parquet writer: column %q row %d: NULL in a NOT NULL column", w.schema.Columns[c].Name, w.rows+int64(i))
			}
			def = 0
		} else if k != kind || extra {
			if err := w.checkValue(c, i, *v); err != nil {
				return err
			}
		}
		vals[i] = *v
		if !required {
			setLevels(&vals[i], def, c)
		}
	}
	w.values[c] = vals
	w.observeMaxBytes(c, vals)
	return nil
}

func (w *Writer) checkValue(c, i int, v parquet.Value) error {
	if msg := w.checks[c].check(v); msg != "" {
		col := w.schema.Columns[c]
		return fmt.Errorf("parquet writer: column %q (%s) row %d: %s", col.Name, col.Type, w.rows+int64(i), msg)
	}
	return nil
}

// writeColumns hands the transposed batch to the column writers, columns
// in parallel (own buffers, pages, compression); each page is cut at a
// rowsPerWrite boundary once full.
func (w *Writer) writeColumns() error {
	return errors.Join(w.parallel(w.writeColumn)...)
}

// parallel runs f for every column on w.workers goroutines and returns
// the errors by column.
func (w *Writer) parallel(f func(c int) error) []error {
	errs := make([]error, len(w.values))
	if w.workers <= 1 {
		for c := range w.values {
			errs[c] = f(c)
		}
		return errs
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range w.workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= len(w.values) {
					return
				}
				errs[c] = f(c)
			}
		})
	}
	wg.Wait()
	return errs
}

func (w *Writer) writeColumn(c int) error {
	vals := w.values[c]
	for len(vals) > 0 {
		n := min(len(vals), rowsPerWrite)
		if _, err := w.columns[c].WriteRowValues(vals[:n]); err != nil {
			return fmt.Errorf("column %q: %w", w.schema.Columns[c].Name, err)
		}
		vals = vals[n:]
	}
	clear(w.values[c]) // drop references to the caller's byte slices
	return nil
}

// Flush writes the buffered rows as a row group now (nothing when none
// are buffered). Callers that want row groups to follow their own units
// call it; the Writer flushes by itself at RowGroupBytes.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("parquet writer: flush after close")
	}
	return w.flush()
}

// WriteRowGroup writes rg as row groups of the file after the buffered
// rows, and returns its row count. rg's schema must equal
// ParquetSchema(w.Schema()). Column chunks of files written with the same
// codec by this package are copied without decoding; other row groups are
// re-encoded column by column. Values are not checked: rg is Parquet
// already, of this very schema. maxBytes, when not nil, bounds the byte
// length of the values of rg's string, JSON and bytes columns (the
// KeyMaxBytes of rg's file, see MaxBytes); a column it lacks is read to
// find its longest value.
func (w *Writer) WriteRowGroup(rg parquet.RowGroup, maxBytes map[string]int) (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("parquet writer: write after close")
	}
	if err := w.observeRowGroup(rg, maxBytes); err != nil {
		w.err = fmt.Errorf("parquet writer: read row group: %w", err)
		return 0, w.err
	}
	return w.wroteRowGroup(w.pw.WriteRowGroup(rg))
}

func (w *Writer) flush() error {
	if err := w.pw.Flush(); err != nil {
		w.err = fmt.Errorf("parquet writer: write row group: %w", err)
		return w.err
	}
	w.rgBase = w.pw.Size()
	return nil
}

// Close writes the last row group and the footer. It does not close the
// underlying io.Writer. Calling it again returns the first result.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if js, ok := w.maxBytesJSON(); ok {
		w.pw.SetKeyValueMetadata(KeyMaxBytes, js)
	}
	if err := w.pw.Close(); err != nil {
		w.err = fmt.Errorf("parquet writer: close: %w", err)
	}
	return w.err
}

// countingWriter counts the bytes that reached the output.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// statsOptions keeps min/max statistics off byte-array columns where they
// cost more than they prune. parquet-go stores a page's bounds whole, four
// times in each data page header (deprecated and current fields), and the
// chunk's twice in the footer: a 36 KB blob became a 258 KB file. Page
// header statistics are dropped for every byte-array column (readers prune
// with the footer's and the column index's, which parquet-go truncates to
// 16 bytes); bytes, json and the columns named in noStats get no bounds at
// all, as parquet-mr does for values above 4 KB.
func statsOptions(s schema.Schema, noStats []string) []parquet.WriterOption {
	var out []parquet.WriterOption
	for _, c := range s.Columns {
		switch c.Type.Kind {
		case schema.String, schema.Bytes, schema.JSON:
			out = append(out, parquet.SkipPageStatistics(c.Name))
		default:
			continue
		}
		if c.Type.Kind != schema.String || slices.ContainsFunc(noStats, func(n string) bool { return strings.EqualFold(n, c.Name) }) {
			out = append(out, parquet.SkipPageBounds(c.Name))
		}
	}
	return out
}

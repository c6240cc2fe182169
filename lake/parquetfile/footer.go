package parquetfile

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// tailBytes is read from the end of a file in one go: the footer of files
// with a few hundred columns and row groups fits.
const tailBytes = 64 << 10

// ErrNotParquet is returned (wrapped) for input that is not a Parquet file.
var ErrNotParquet = errors.New("not a Parquet file")

// Footer is what a Parquet file's footer says about it.
type Footer struct {
	// Schema is lakectl's schema from the key-value metadata when present
	// and consistent with the file, else mapped from the Parquet schema.
	Schema    schema.Schema
	Rows      int64
	RowGroups int
	KeyValue  map[string]string
	CreatedBy string
	// Fingerprint is Schema.Fingerprint() (also stored in the metadata of
	// files lakectl wrote).
	Fingerprint string
}

// ReadFooter reads only the footer of the size-byte file in r: one read of
// the last 64 KiB, a second only when the footer is bigger. Data pages are
// never read.
func ReadFooter(ctx context.Context, r io.ReaderAt, size int64) (Footer, error) {
	md, _, err := readMetadata(ctx, r, size, tailBytes)
	if err != nil {
		return Footer{}, err
	}
	return footerOf(md)
}

// ReadFooterFrom reads the footer of the object at key with ranged GETs of
// its tail. size is the object's size; pass -1 to Stat it first.
func ReadFooterFrom(ctx context.Context, store lake.Store, key string, size int64) (Footer, error) {
	if size < 0 {
		info, err := store.Stat(ctx, key)
		if err != nil {
			return Footer{}, fmt.Errorf("read footer of %s: %w", key, err)
		}
		size = info.Size
	}
	f, err := ReadFooter(ctx, &rangeReaderAt{ctx: ctx, store: store, key: key}, size)
	if err != nil {
		return Footer{}, fmt.Errorf("read footer of %s: %w", key, err)
	}
	return f, nil
}

// FirstTail is a first guess of the tail that holds a footer, for a
// reader of many files (see ReadFooterTail): a footer of a few dozen
// columns fits, and a smaller GET is a quicker one.
const FirstTail = 16 << 10

// ReadFooterTail reads the footer of the size-byte object at key with one
// ranged GET of its last tail bytes, a second only when the footer is
// larger. It also returns the footer's length, so that a reader of many
// files of a table can guess the next tail from it.
func ReadFooterTail(ctx context.Context, store lake.Store, key string, size, tail int64) (Footer, int64, error) {
	md, n, err := readMetadata(ctx, &rangeReaderAt{ctx: ctx, store: store, key: key}, size, max(tail, 8))
	if err == nil {
		var f Footer
		if f, err = footerOf(md); err == nil {
			return f, n, nil
		}
	}
	return Footer{}, 0, fmt.Errorf("read footer of %s: %w", key, err)
}

// readMetadata reads the footer with a read of the last tailLen bytes, a
// second only when the footer is larger, and returns it and its length.
func readMetadata(ctx context.Context, r io.ReaderAt, size, tailLen int64) (*format.FileMetaData, int64, error) {
	if size < 12 {
		return nil, 0, fmt.Errorf("%w: %d bytes is too short", ErrNotParquet, size)
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	tail := make([]byte, min(size, tailLen))
	if _, err := readFullAt(r, tail, size-int64(len(tail))); err != nil {
		return nil, 0, fmt.Errorf("read parquet footer: %w", err)
	}
	end := tail[len(tail)-8:]
	switch string(end[4:]) {
	case "PAR1":
	case "PARE":
		return nil, 0, fmt.Errorf("parquet file has an encrypted footer, which lakectl does not read")
	default:
		return nil, 0, fmt.Errorf("%w: no PAR1 magic at its end", ErrNotParquet)
	}
	footerLen := int64(binary.LittleEndian.Uint32(end[:4]))
	if footerLen+12 > size {
		return nil, 0, fmt.Errorf("%w: footer length %d exceeds the file size %d", ErrNotParquet, footerLen, size)
	}
	var footer []byte
	if footerLen <= int64(len(tail))-8 {
		footer = tail[int64(len(tail))-8-footerLen : len(tail)-8]
	} else {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		footer = make([]byte, footerLen)
		if _, err := readFullAt(r, footer, size-8-footerLen); err != nil {
			return nil, 0, fmt.Errorf("read parquet footer: %w", err)
		}
	}
	md := new(format.FileMetaData)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), footer, md); err != nil {
		return nil, 0, fmt.Errorf("%w: decode footer: %v", ErrNotParquet, err)
	}
	return md, footerLen, nil
}

func readFullAt(r io.ReaderAt, p []byte, off int64) (int, error) {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// FooterOf is the Footer of a file's decoded metadata (for a caller that
// opened the file with parquet-go already, and decodes it once).
func FooterOf(md *format.FileMetaData) (Footer, error) { return footerOf(md) }

func footerOf(md *format.FileMetaData) (Footer, error) {
	f := Footer{
		Rows:      md.NumRows,
		RowGroups: len(md.RowGroups),
		CreatedBy: md.CreatedBy,
		KeyValue:  make(map[string]string, len(md.KeyValueMetadata)),
	}
	for _, kv := range md.KeyValueMetadata {
		f.KeyValue[kv.Key] = kv.Value
	}
	cols, err := fileColumns(md.Schema)
	if err != nil {
		return Footer{}, err
	}
	f.Schema = schemaOf(cols, f.KeyValue)
	f.Fingerprint = f.Schema.Fingerprint()
	return f, nil
}

// schemaOf prefers the lake schema stored in the metadata: it carries what
// Parquet cannot say (JSON stored by an older writer as a string, ...). It
// is used only when it names the file's columns in the file's order with
// the same physical forms, so a file rewritten by another tool under our
// keys is still read as what it is.
func schemaOf(cols []fileColumn, kv map[string]string) schema.Schema {
	mapped := schema.Schema{Columns: make([]schema.Column, len(cols))}
	for i, c := range cols {
		mapped.Columns[i] = c.column
	}
	raw, ok := kv[KeySchema]
	if !ok {
		return mapped
	}
	var stored schema.Schema
	if json.Unmarshal([]byte(raw), &stored) != nil || stored.Validate() != nil || len(stored.Columns) != len(cols) {
		return mapped
	}
	for i, c := range stored.Columns {
		if c.Name != cols[i].column.Name || c.Nullable != cols[i].column.Nullable || cols[i].conv != convNone ||
			int32(checkOf(c.Type).kind) != int32(cols[i].physical) {
			return mapped
		}
	}
	return stored
}

// rangeReaderAt reads with one ranged GET per ReadAt: for the footer, which
// takes one or two reads.
type rangeReaderAt struct {
	ctx   context.Context
	store lake.Store
	key   string
}

func (r *rangeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rc, err := r.store.GetRange(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

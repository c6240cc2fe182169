package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// feedDepth is how many decoded batches a file may run ahead of COPY.
const feedDepth = 4

// fetchBudget bounds the bytes of files fetched ahead of their decoding.
const fetchBudget = 64 << 20

// copyGroup streams one group of files into the table with one COPY.
// Files are fetched ahead (driver.Prefetcher) and decoded by up to
// job.Parallel goroutines ahead of the COPY, in file order, with a
// bounded number of batches in flight.
func copyGroupFiles(ctx context.Context, conn *pgx.Conn, job *driver.StageJob, g *copyGroup, pf *prefetched) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	src := newFileSource(ctx, job, g, pf)
	cols := append([]string(nil), g.names...)
	if job.SeqColumn != "" {
		cols = append(cols, job.SeqColumn)
	}
	n, err := conn.CopyFrom(ctx, splitQuoted(g.Table), cols, src)
	if src.err != nil {
		return n, src.err
	}
	if err != nil {
		return n, fmt.Errorf("copy into %s: %w", g.Table, err)
	}
	return n, nil
}

// prefetched are the job's files being fetched; a group's files start at
// its offset.
type prefetched struct {
	*driver.Prefetcher
	offset int
}

type feed struct {
	ch  chan *batch
	err error // set before ch is closed
}

// batch is decoded rows for COPY; its slices are reused once COPY has
// encoded them (pgx encodes each row as Values returns it).
type batch struct {
	rows [][]any
	vals []any
}

// fileSource is a pgx.CopyFromSource over the rows of several files.
type fileSource struct {
	ctx   context.Context
	feeds []*feed
	fi    int
	cur   *batch
	i     int
	err   error
	pool  sync.Pool
}

func newFileSource(ctx context.Context, job *driver.StageJob, g *copyGroup, pf *prefetched) *fileSource {
	s := &fileSource{ctx: ctx, feeds: make([]*feed, len(g.Files))}
	for i := range s.feeds {
		s.feeds[i] = &feed{ch: make(chan *batch, feedDepth)}
	}
	parallel := max(job.Parallel, 1)
	base := pf.offset // read here: Stage moves it on once this COPY ends
	go func() {
		sem := make(chan struct{}, parallel)
		for i, f := range g.Files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for _, fd := range s.feeds[i:] {
					fd.err = ctx.Err()
					close(fd.ch)
				}
				return
			}
			go func() {
				defer func() { <-sem }()
				fd := s.feeds[i]
				fd.err = s.decodeFetched(ctx, job, f, pf, base+i, fd.ch)
				close(fd.ch)
			}()
		}
	}()
	return s
}

// decodeFetched decodes file i of the job once it is fetched.
func (s *fileSource) decodeFetched(ctx context.Context, job *driver.StageJob, f driver.StageFile, pf *prefetched, i int, ch chan<- *batch) error {
	fetched, err := pf.Get(i)
	if err != nil {
		return err
	}
	defer fetched.Release()
	return s.decodeFile(ctx, job, f, fetched, ch)
}

func (s *fileSource) Next() bool {
	for {
		if s.cur != nil && s.i+1 < len(s.cur.rows) {
			s.i++
			return true
		}
		if s.cur != nil {
			s.pool.Put(s.cur)
			s.cur = nil
		}
		if s.fi >= len(s.feeds) {
			return false
		}
		b, ok := <-s.feeds[s.fi].ch
		if !ok {
			if err := s.feeds[s.fi].err; err != nil {
				s.err = err
				return false
			}
			s.fi++
			continue
		}
		s.cur, s.i = b, 0
		if len(b.rows) > 0 {
			return true
		}
	}
}

func (s *fileSource) Values() ([]any, error) { return s.cur.rows[s.i], nil }

func (s *fileSource) Err() error { return s.err }

// newBatch is a batch of n rows of width values, reused when one is free.
func (s *fileSource) newBatch(n, width int) *batch {
	b, _ := s.pool.Get().(*batch)
	if b == nil || cap(b.vals) < n*width || cap(b.rows) < n {
		b = &batch{vals: make([]any, n*width), rows: make([][]any, n)}
	}
	b.vals, b.rows = b.vals[:n*width], b.rows[:n]
	return b
}

// decodeFile reads one file and sends its rows as pgx values.
func (s *fileSource) decodeFile(ctx context.Context, job *driver.StageJob, f driver.StageFile, fetched *driver.Fetched, ch chan<- *batch) error {
	conv := make([]func(schema.Value) any, len(f.Schema.Columns))
	for i, c := range f.Schema.Columns {
		conv[i] = converter(c.Type)
	}
	folder, err := folderValues(f.Folder)
	if err != nil {
		return fmt.Errorf("lake file %s: %w", f.Key, err)
	}
	width := len(conv) + len(folder)
	if job.SeqColumn != "" {
		width++
	}
	seqBase := int64(f.Ordinal) << 32
	err = driver.EachBatchFetched(ctx, job.Store, f, fetched, func(first int64, rows []schema.Row) error {
		b := s.newBatch(len(rows), width)
		for r, row := range rows {
			out := b.vals[r*width : (r+1)*width : (r+1)*width]
			if len(row) != len(conv) {
				return fmt.Errorf("lake file %s: row %d has %d values, the schema %d columns", f.Key, first+int64(r), len(row), len(conv))
			}
			for c, v := range row {
				out[c] = conv[c](v)
			}
			copy(out[len(conv):], folder)
			if job.SeqColumn != "" {
				out[width-1] = seqBase | (first + int64(r))
			}
			b.rows[r] = out
		}
		job.Progress.Add(int64(len(rows)), 0)
		select {
		case ch <- b:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		return fmt.Errorf("read lake file %s: %w", f.Key, err)
	}
	job.Progress.Add(0, f.Size)
	return nil
}

// converter maps a lake value of type t to the Go value pgx encodes into
// the column type catalog.DDL gives t in PostgreSQL. Byte slices are
// copied: the Parquet reader reuses its buffers.
func converter(t schema.Type) func(schema.Value) any {
	nullable := func(f func(schema.Value) any) func(schema.Value) any {
		return func(v schema.Value) any {
			if v.IsNull() {
				return nil
			}
			return f(v)
		}
	}
	switch t.Kind {
	case schema.Bool:
		return nullable(func(v schema.Value) any { return v.Boolean() })
	case schema.Int8, schema.Int16, schema.Int32:
		return nullable(func(v schema.Value) any { return v.Int32() })
	case schema.Uint8, schema.Uint16, schema.Uint32:
		return nullable(func(v schema.Value) any { return int64(uint32(v.Int32())) })
	case schema.Int64:
		return nullable(func(v schema.Value) any { return v.Int64() })
	case schema.Uint64:
		return nullable(func(v schema.Value) any {
			return pgtype.Numeric{Int: new(big.Int).SetUint64(uint64(v.Int64())), Valid: true}
		})
	case schema.Float32:
		return nullable(func(v schema.Value) any { return v.Float() })
	case schema.Float64:
		return nullable(func(v schema.Value) any { return v.Double() })
	case schema.Decimal:
		return nullable(func(v schema.Value) any {
			return pgtype.Numeric{Int: schema.DecimalUnscaled(t, v), Exp: -int32(t.Scale), Valid: true}
		})
	case schema.String:
		return nullable(func(v schema.Value) any { return string(v.ByteArray()) })
	case schema.JSON:
		return nullable(func(v schema.Value) any { return json.RawMessage(append([]byte(nil), v.ByteArray()...)) })
	case schema.Bytes:
		return nullable(func(v schema.Value) any { return append([]byte(nil), v.ByteArray()...) })
	case schema.Date:
		return nullable(func(v schema.Value) any {
			return pgtype.Date{Time: time.Unix(int64(v.Int32())*86400, 0).UTC(), Valid: true}
		})
	case schema.Timestamp:
		return nullable(func(v schema.Value) any { return time.UnixMicro(v.Int64()).UTC() })
	case schema.Time:
		return nullable(func(v schema.Value) any { return pgtype.Time{Microseconds: v.Int64(), Valid: true} })
	}
	return nullable(func(v schema.Value) any { return v.String() })
}

// splitQuoted turns `"schema"."table"` back into its parts.
func splitQuoted(s string) pgx.Identifier {
	var parts pgx.Identifier
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && inQuote && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQuote = !inQuote
		case c == '.' && !inQuote:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

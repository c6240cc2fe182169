package watermark

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Held is the (key, cursor) pairs the table's files hold with a cursor in
// [From, To): what a run must recognize when its window reaches below the
// state's SeenFrom (a lookback raised since the last run, or a state
// trimmed to MaxSeen), where the state knows no pair.
type Held struct {
	From, To int64
	pairs    map[uint64]struct{}
	buf      []byte
}

// Holds reports whether cursor lies in the held range (in) and whether the
// lake holds the row's pair (dup). idx are the row's identity columns.
func (h *Held) Holds(types []schema.Type, row schema.Row, idx []int, cursor int64) (in, dup bool) {
	if h == nil || cursor < h.From || cursor >= h.To {
		return false, false
	}
	var vh uint64
	vh, h.buf = ValueHash(types, row, idx, cursor, h.buf)
	_, dup = h.pairs[vh]
	return true, dup
}

// ValueHash hashes a row's identity columns and cursor as lake values, so
// that rows read from a source and rows read back from the lake hash
// alike (widened integer types included: schema.Go makes them int64).
func ValueHash(types []schema.Type, row schema.Row, idx []int, cursor int64, buf []byte) (uint64, []byte) {
	buf = buf[:0]
	for _, i := range idx {
		buf = fmt.Appendf(buf, "%v", schema.Go(types[i], row[i]))
		buf = append(buf, 0)
	}
	buf = strconv.AppendInt(buf, cursor, 10)
	h := fnv.New64a()
	_, _ = h.Write(buf)
	return h.Sum64(), buf
}

// lakeOrdinal is a lake cursor value as a cursor ordinal.
func lakeOrdinal(ct CursorType, t schema.Type, v schema.Value) (int64, bool) {
	switch g := schema.Go(t, v).(type) {
	case int64:
		return g, ct == Int
	case uint64:
		return int64(g), ct == Int
	case time.Time:
		switch ct {
		case Date:
			return g.Unix() / 86400, true
		case Timestamp:
			return g.UnixMicro(), true
		}
	}
	return 0, false
}

// LoadHeld reads the table's files back for the pairs of the identity
// columns ids and the cursor column with a cursor in [from, to). It reads
// whole files: the price of widening a window past what the state knows,
// paid once. A file without the cursor or an identity column holds no
// pair of the job's (another tool's file).
func LoadHeld(ctx context.Context, tbl *table.Table, ids []string, cursor string, ct CursorType, from, to int64) (*Held, int, error) {
	h := &Held{From: from, To: to, pairs: map[uint64]struct{}{}}
	var files []table.File
	if err := tbl.Files(ctx, func(f table.File) error { files = append(files, f); return nil }); err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		if err := h.read(ctx, tbl.Store(), f, ids, cursor, ct); err != nil {
			return nil, 0, fmt.Errorf("read the pairs %s holds: %w", f.Key, err)
		}
	}
	return h, len(files), nil
}

// Len is the number of pairs held.
func (h *Held) Len() int { return len(h.pairs) }

func (h *Held) read(ctx context.Context, store lake.Store, f table.File, ids []string, cursor string, ct CursorType) error {
	rd, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, store, f.Key, f.Size), f.Size)
	if err != nil {
		return err
	}
	defer rd.Close()
	s := rd.Schema()
	ci := s.Index(cursor)
	fidx := make([]int, len(ids))
	for j, name := range ids {
		if fidx[j] = s.Index(name); fidx[j] < 0 {
			return nil
		}
	}
	if ci < 0 {
		return nil
	}
	types := ColumnTypes(s)
	buf := make([]schema.Row, 1024)
	var hb []byte
	for {
		n, err := rd.Read(buf)
		for _, row := range buf[:n] {
			o, ok := lakeOrdinal(ct, types[ci], row[ci])
			if !ok || o < h.From || o >= h.To {
				continue
			}
			var vh uint64
			vh, hb = ValueHash(types, row, fidx, o, hb)
			h.pairs[vh] = struct{}{}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ColumnTypes lists the schema's column types in order.
func ColumnTypes(s schema.Schema) []schema.Type {
	out := make([]schema.Type, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Type
	}
	return out
}

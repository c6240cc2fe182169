package mysql

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

// lakeHeld is the (key, cursor) pairs the table's files hold with a cursor
// in [from, to): what a run must recognize when its window reaches below
// the state's seen_from (a lookback raised since the last run, or a state
// trimmed to maxSeen), where the state knows no pair.
type lakeHeld struct {
	from, to int64
	pairs    map[uint64]struct{}
}

// valueHash hashes a row's identity columns and cursor as lake values,
// so that rows read from MySQL and rows read back from the lake hash
// alike (widened integer types included: schema.Go makes them int64).
func valueHash(types []schema.Type, row schema.Row, idx []int, cursor int64, buf []byte) (uint64, []byte) {
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
func lakeOrdinal(ct cursorType, t schema.Type, v schema.Value) (int64, bool) {
	switch g := schema.Go(t, v).(type) {
	case int64:
		return g, ct == cursorInt
	case uint64:
		return int64(g), ct == cursorInt
	case time.Time:
		switch ct {
		case cursorDate:
			return g.Unix() / 86400, true
		case cursorTimestamp:
			return g.UnixMicro(), true
		}
	}
	return 0, false
}

// loadLakeHeld reads the table's files back for the pairs with a cursor in
// [from, to). It reads whole files: the price of widening a window past
// what the state knows, paid once.
func (r *run) loadLakeHeld(ctx context.Context, tbl *table.Table, ti *tableInfo, idx []int, cur *cursorInfo, from, to int64) (*lakeHeld, error) {
	held := &lakeHeld{from: from, to: to, pairs: map[uint64]struct{}{}}
	var files []table.File
	if err := tbl.Files(ctx, func(f table.File) error { files = append(files, f); return nil }); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := held.read(ctx, r.store, f, ti, idx, cur); err != nil {
			return nil, fmt.Errorf("read the pairs %s holds: %w", f.Key, err)
		}
	}
	r.log.Info("the window reaches below the pairs the job's state knows: recognized the rows the lake holds there",
		"from", cur.typ.format(from), "to", cur.typ.format(to), "files", len(files), "pairs", len(held.pairs))
	return held, nil
}

// read adds the pairs of one file. A file without the cursor or an
// identity column holds no pair of this job's (another tool's file).
func (h *lakeHeld) read(ctx context.Context, store lake.Store, f table.File, ti *tableInfo, idx []int, cur *cursorInfo) error {
	rd, err := parquetfile.OpenReader(parquetfile.StoreReaderAt(ctx, store, f.Key, f.Size), f.Size)
	if err != nil {
		return err
	}
	defer rd.Close()
	s := rd.Schema()
	ci := s.Index(cur.col.Name)
	fidx := make([]int, len(idx))
	for j, i := range idx {
		fidx[j] = s.Index(ti.Columns[i].Name)
		if fidx[j] < 0 {
			return nil
		}
	}
	if ci < 0 {
		return nil
	}
	types := columnTypes(s)
	buf := make([]schema.Row, 1024)
	var hb []byte
	for {
		n, err := rd.Read(buf)
		for _, row := range buf[:n] {
			o, ok := lakeOrdinal(cur.typ, types[ci], row[ci])
			if !ok || o < h.from || o >= h.to {
				continue
			}
			var vh uint64
			vh, hb = valueHash(types, row, fidx, o, hb)
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

// columnTypes lists the schema's column types in order.
func columnTypes(s schema.Schema) []schema.Type {
	out := make([]schema.Type, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Type
	}
	return out
}

package mysql

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/schema"
)

// This file is an extract job's watermark, kept in one place so that other
// table sources can share it: the state a commit carries, cursor types, the
// (key, cursor) dedupe set and its coverage (seen_from), and the rule that
// a watermark belongs to the source table it was read from.

// maxSeen bounds the (key, cursor) hashes a job's state keeps: beyond it
// the oldest cursor values are dropped and the next run reads the lake's
// files back for them (docs/mysql.md).
const maxSeen = watermark.MaxSeen

// jobState is an extract job's state, stored in the commit record of each
// run (tx.SetState), so files and watermark advance together; its shape is
// shared with every SQL source (extract/internal/watermark).
type jobState = watermark.State

// seenGroup holds the hashes of the pairs written at one cursor value.
type seenGroup = watermark.Group

// cursorType is how a cursor column's values order and print.
type cursorType string

const (
	cursorInt       cursorType = "int"       // integer columns: the value
	cursorDate      cursorType = "date"      // DATE: days since 1970-01-01
	cursorTimestamp cursorType = "timestamp" // DATETIME/TIMESTAMP: UTC microseconds
)

// cursorOf checks that c may be a cursor and returns its type.
func cursorOf(c *column) (cursorType, error) {
	switch c.conv {
	case convInt, convUint, convYear:
		return cursorInt, nil
	case convDate:
		return cursorDate, nil
	case convDatetime:
		return cursorTimestamp, nil
	}
	return "", input.Errorf("cursor column %q has type %s; a cursor must be an integer, DATE, DATETIME or TIMESTAMP column", c.Name, c.Declared)
}

// ordinal reads a cursor value's raw bytes; ok is false for NULL, zero
// dates and unreadable values.
func (t cursorType) ordinal(b []byte) (int64, bool) {
	if b == nil {
		return 0, false
	}
	switch t {
	case cursorInt:
		return parseInt(b)
	case cursorDate:
		d, zero, ok := parseDate(b)
		return d, ok && !zero
	default:
		us, zero, ok := parseDatetime(b)
		return us, ok && !zero
	}
}

// format renders an ordinal as the text MySQL compares with the column.
func (t cursorType) format(o int64) string { return watermark.CursorType(t).Format(o) }

// lookback converts the lookback option into ordinal units: microseconds, whole
// days (rounded up), or an error for integer cursors.
func (t cursorType) lookback(d time.Duration) (int64, error) {
	if d > 0 && t == cursorInt {
		return 0, input.Errorf("%s %s: a lookback is a duration and needs a DATE, DATETIME or TIMESTAMP cursor", optLookback, d)
	}
	lb, err := watermark.CursorType(t).Lookback(d)
	if err != nil {
		return 0, input.Errorf("%s %s: must not be negative", optLookback, d)
	}
	return lb, nil
}

// pairHash hashes a row's key bytes with its cursor value.
func pairHash(keys []sql.RawBytes, cursor int64) uint64 { return watermark.PairHash(keys, cursor) }

// seenSet is the dedupe set of one run: the previous state's pairs and the
// pairs this run writes.
type seenSet struct {
	typ     cursorType
	old     map[uint64]struct{}
	written map[int64][]uint64 // cursor ordinal -> hashes, only cursors >= keepFrom
	skipped int64
}

func loadSeen(t cursorType, groups []seenGroup) (*seenSet, error) {
	written, err := watermark.DecodeSeen(watermark.CursorType(t), groups)
	if err != nil {
		return nil, err
	}
	s := &seenSet{typ: t, old: map[uint64]struct{}{}, written: written}
	for _, hs := range written {
		for _, h := range hs {
			s.old[h] = struct{}{}
		}
	}
	return s, nil
}

// state returns the groups to keep for a next run whose window starts at
// keepFrom, and the SeenFrom that goes with them (raised when the groups
// had to be trimmed to maxSeen).
func (s *seenSet) state(keepFrom int64) (groups []seenGroup, seenFrom int64, trimmed bool) {
	return watermark.EncodeSeen(watermark.CursorType(s.typ), s.written, keepFrom)
}

// pairFilter dedupes (key, cursor) pairs against the job's state and
// records the pairs it lets through whose cursor is >= keepFrom (the next
// run's window). Rows without a cursor value pass and are counted.
type pairFilter struct {
	cur      *cursorInfo
	keyIdx   []int // columns that identify a row (the key, else every column)
	keepFrom int64
	seen     *seenSet      // old pairs (read-only) and written pairs (this filter's)
	held     *lakeHeld     // pairs below the state's seen_from that the lake holds (nil: none)
	types    []schema.Type // the row's column types, for held's hashes
	keys     []sql.RawBytes
	nulls    int64
}

func (f *pairFilter) filter() rowFilter {
	f.keys = make([]sql.RawBytes, len(f.keyIdx))
	return func(raw []sql.RawBytes, row schema.Row) bool {
		o, ok := f.cur.typ.ordinal(raw[f.cur.idx])
		if !ok {
			f.nulls++
			return true
		}
		for j, ki := range f.keyIdx {
			f.keys[j] = raw[ki]
		}
		h := pairHash(f.keys, o)
		in, dup := f.held.Holds(f.types, row, f.keyIdx, o)
		if !in {
			_, dup = f.seen.old[h]
		}
		if dup {
			f.seen.skipped++
			if o >= f.keepFrom { // the next run's window needs it too
				f.seen.written[o] = append(f.seen.written[o], h)
			}
			return false
		}
		if o >= f.keepFrom {
			f.seen.written[o] = append(f.seen.written[o], h)
		}
		return true
	}
}

// window returns the previous watermark, the start of the next window
// (watermark - lookback) and the state's seen_from (lo when it has none):
// the pairs of a window below seen_from are not in the state.
func (r *run) window(prev *jobState, cur *cursorInfo) (wm, lo, seenFrom int64, err error) {
	return watermark.Window(watermark.CursorType(cur.typ), *prev, cur.lookback)
}

// setCursorState stores the new watermark with the pairs the next run's
// window needs. covered is the lowest cursor the seen set is complete
// from (the window this run read): a lookback raised since the last run
// must not claim pairs below it, or the run after would store them again.
func (r *run) setCursorState(state *jobState, cur *cursorInfo, seen *seenSet, watermark, covered int64) {
	groups, seenFrom, trimmed := seen.state(max(watermark-cur.lookback, covered))
	if trimmed {
		r.log.Warn("more rows changed inside the lookback window than the job's state keeps; the next run reads the lake's files back for the pairs below window_from",
			"max_pairs", maxSeen, "window_from", cur.typ.format(seenFrom))
	}
	state.Cursor, state.CursorType = cur.col.Name, string(cur.typ)
	state.Watermark = cur.typ.format(watermark)
	state.SeenFrom = cur.typ.format(seenFrom)
	state.Seen = groups
	r.res.WatermarkAfter = state.Watermark
}

// SourceChangedError is an incremental run of a job whose watermark
// belongs to another source table: appending would mix two tables' rows
// under a watermark that means nothing for this one. A full extract
// (a replace) starts the job over on the new source.
type SourceChangedError struct {
	Job, Table string
	Have, Want string // db.table of the job's state, of this run
}

func (e *SourceChangedError) Error() string {
	return fmt.Sprintf("job %s (lake table %s) extracts %s and its watermark belongs to that table, not to %s",
		e.Job, e.Table, e.Have, e.Want)
}

package mysql

import (
	"database/sql"
	"time"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/internal/clierr"
)

// maxSeen bounds the (key, cursor) hashes a job's state keeps (docs/mysql.md).
const maxSeen = watermark.MaxSeen

// jobState is an extract job's state, stored in the commit record of each
// run (tx.SetState), so files and watermark advance together.
type jobState = watermark.State

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
	return "", clierr.Usagef("cursor column %q has type %s; a cursor must be an integer, DATE, DATETIME or TIMESTAMP column", c.Name, c.ColumnType)
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

// parse reads what format wrote.
func (t cursorType) parse(s string) (int64, error) { return watermark.CursorType(t).Parse(s) }

// lookback converts --lookback into ordinal units: microseconds, whole
// days (rounded up), or an error for integer cursors.
func (t cursorType) lookback(d time.Duration) (int64, error) {
	if d > 0 && t == cursorInt {
		return 0, clierr.Usagef("--lookback %s: a lookback is a duration and needs a DATE, DATETIME or TIMESTAMP cursor", d)
	}
	lb, err := watermark.CursorType(t).Lookback(d)
	if err != nil {
		return 0, clierr.Usagef("--lookback %s: must not be negative", d)
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

func loadSeen(t cursorType, groups []watermark.Group) (*seenSet, error) {
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
func (s *seenSet) state(keepFrom int64) (groups []watermark.Group, seenFrom int64, trimmed bool) {
	return watermark.EncodeSeen(watermark.CursorType(s.typ), s.written, keepFrom)
}

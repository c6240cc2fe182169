package mysql

import (
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake/schema"
)

// This file is an extract job's watermark, kept in one place so that other
// table sources can share it: the state a commit carries, cursor types, the
// (key, cursor) dedupe set and its coverage (seen_from), and the rule that
// a watermark belongs to the source table it was read from.

// maxSeen bounds the (key, cursor) hashes a job's state keeps: about 11
// bytes each in the commit record. Beyond it the oldest cursor values are
// dropped and the next run reads the lake's files back for them
// (docs/mysql.md).
const maxSeen = 200_000

// jobState is an extract job's state, stored in the commit record of each
// run (tx.SetState), so files and watermark advance together.
type jobState struct {
	Source     string `json:"source"`                // db.table
	Mode       string `json:"mode"`                  // mode of the run that wrote it
	Cursor     string `json:"cursor,omitempty"`      // cursor column
	CursorType string `json:"cursor_type,omitempty"` // int, date or timestamp
	// Watermark is the highest cursor value read (the snapshot's MAX), as
	// text: an integer, YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS.ffffff (UTC).
	Watermark string `json:"watermark,omitempty"`
	// SeenFrom and Seen: every (key, cursor) pair already written with
	// cursor >= SeenFrom has its hash in Seen, grouped by cursor value.
	SeenFrom string      `json:"seen_from,omitempty"`
	Seen     []seenGroup `json:"seen,omitempty"`
}

// seenGroup holds the hashes of the pairs written at one cursor value:
// 8-byte big-endian FNV-64a hashes, sorted, base64 in one string.
type seenGroup struct {
	Cursor string `json:"c"`
	Hashes string `json:"h"`
}

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
func (t cursorType) format(o int64) string {
	switch t {
	case cursorInt:
		return strconv.FormatInt(o, 10)
	case cursorDate:
		return time.Unix(o*86400, 0).UTC().Format("2006-01-02")
	}
	return time.UnixMicro(o).UTC().Format("2006-01-02 15:04:05.000000")
}

// parse reads what format wrote.
func (t cursorType) parse(s string) (int64, error) {
	if o, ok := t.ordinal([]byte(s)); ok {
		return o, nil
	}
	return 0, fmt.Errorf("bad %s cursor value %q in the job's state", t, s)
}

// lookback converts --lookback into ordinal units: microseconds, whole
// days (rounded up), or an error for integer cursors.
func (t cursorType) lookback(d time.Duration) (int64, error) {
	switch {
	case d < 0:
		return 0, clierr.Usagef("--lookback %s: must not be negative", d)
	case d == 0:
		return 0, nil
	case t == cursorInt:
		return 0, clierr.Usagef("--lookback %s: a lookback is a duration and needs a DATE, DATETIME or TIMESTAMP cursor", d)
	case t == cursorDate:
		return int64((d + 24*time.Hour - 1) / (24 * time.Hour)), nil
	}
	return d.Microseconds(), nil
}

// pairHash hashes a row's key bytes with its cursor value.
func pairHash(keys []sql.RawBytes, cursor int64) uint64 {
	h := fnv.New64a()
	var n [8]byte
	for _, k := range keys {
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		_, _ = h.Write(n[:])
		_, _ = h.Write(k)
	}
	binary.BigEndian.PutUint64(n[:], uint64(cursor))
	_, _ = h.Write(n[:])
	return h.Sum64()
}

// seenSet is the dedupe set of one run: the previous state's pairs and the
// pairs this run writes.
type seenSet struct {
	typ     cursorType
	old     map[uint64]struct{}
	written map[int64][]uint64 // cursor ordinal -> hashes, only cursors >= keepFrom
	skipped int64
}

func loadSeen(t cursorType, groups []seenGroup) (*seenSet, error) {
	s := &seenSet{typ: t, old: map[uint64]struct{}{}, written: map[int64][]uint64{}}
	for _, g := range groups {
		o, err := t.parse(g.Cursor)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(g.Hashes)
		if err != nil || len(b)%8 != 0 {
			return nil, fmt.Errorf("bad seen hashes in the job's state at cursor %s", g.Cursor)
		}
		for i := 0; i < len(b); i += 8 {
			h := binary.BigEndian.Uint64(b[i:])
			s.old[h] = struct{}{}
			s.written[o] = append(s.written[o], h)
		}
	}
	return s, nil
}

// state returns the groups to keep for a next run whose window starts at
// keepFrom, and the SeenFrom that goes with them (raised when the groups
// had to be trimmed to maxSeen).
func (s *seenSet) state(keepFrom int64) (groups []seenGroup, seenFrom int64, trimmed bool) {
	var cursors []int64
	total := 0
	for o, hs := range s.written {
		if o >= keepFrom {
			cursors = append(cursors, o)
			total += len(hs)
		}
	}
	sort.Slice(cursors, func(i, j int) bool { return cursors[i] < cursors[j] })
	seenFrom = keepFrom
	for total > maxSeen && len(cursors) > 0 {
		total -= len(s.written[cursors[0]])
		seenFrom = cursors[0] + 1
		cursors = cursors[1:]
		trimmed = true
	}
	for _, o := range cursors {
		hs := s.written[o]
		sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
		b := make([]byte, 0, 8*len(hs))
		var prev uint64
		for i, h := range hs {
			if i > 0 && h == prev {
				continue
			}
			b = binary.BigEndian.AppendUint64(b, h)
			prev = h
		}
		groups = append(groups, seenGroup{Cursor: s.typ.format(o), Hashes: base64.StdEncoding.EncodeToString(b)})
	}
	return groups, seenFrom, trimmed
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
	buf      []byte
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
		dup := false
		if f.held != nil && o >= f.held.from && o < f.held.to {
			var vh uint64
			vh, f.buf = valueHash(f.types, row, f.keyIdx, o, f.buf)
			_, dup = f.held.pairs[vh]
		} else {
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
	if wm, err = cur.typ.parse(prev.Watermark); err != nil {
		return 0, 0, 0, err
	}
	lo = wm - cur.lookback
	if prev.SeenFrom == "" {
		return wm, lo, lo, nil
	}
	if seenFrom, err = cur.typ.parse(prev.SeenFrom); err != nil {
		return 0, 0, 0, err
	}
	return wm, lo, seenFrom, nil
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

// Package watermark is the state of a cursor-incremental extract, shared
// by every SQL source: the watermark (the highest cursor value read), and
// the (key, cursor) pairs already written inside the next run's lookback
// window, kept as hashes so that a re-read row is recognised and never
// stored twice. The pairs are stored in the commit record with the files
// (lake/table's tx.SetState), so files and watermark advance together.
package watermark

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"time"
)

// MaxSeen bounds the (key, cursor) hashes a job's state keeps: about 11
// bytes each in the commit record. Beyond it the oldest cursor values are
// dropped and SeenFrom rises above them.
const MaxSeen = 200_000

// ErrLookback is wrapped by a lookback that does not fit the cursor.
var ErrLookback = errors.New("bad lookback")

// State is an extract job's state.
type State struct {
	Source     string `json:"source"`                // the source table
	Mode       string `json:"mode"`                  // mode of the run that wrote it
	Cursor     string `json:"cursor,omitempty"`      // cursor column
	CursorType string `json:"cursor_type,omitempty"` // int, date or timestamp
	// Watermark is the highest cursor value read (the snapshot's MAX), as
	// CursorType.Format writes it.
	Watermark string `json:"watermark,omitempty"`
	// SeenFrom and Seen: every (key, cursor) pair already written with
	// cursor >= SeenFrom has its hash in Seen, grouped by cursor value.
	SeenFrom string  `json:"seen_from,omitempty"`
	Seen     []Group `json:"seen,omitempty"`
}

// Group holds the hashes of the pairs written at one cursor value:
// 8-byte big-endian FNV-64a hashes, sorted, base64 in one string.
type Group struct {
	Cursor string `json:"c"`
	Hashes string `json:"h"`
}

// CursorType is how a cursor column's values order and print. Values are
// ordinals: the integer, days since 1970-01-01, or UTC microseconds.
type CursorType string

// The cursor types.
const (
	Int       CursorType = "int"
	Date      CursorType = "date"
	Timestamp CursorType = "timestamp"
)

const timestampLayout = "2006-01-02 15:04:05.000000"

// Format renders an ordinal as SQL sources compare it with the column.
func (t CursorType) Format(o int64) string {
	switch t {
	case Int:
		return strconv.FormatInt(o, 10)
	case Date:
		return time.Unix(o*86400, 0).UTC().Format("2006-01-02")
	}
	return time.UnixMicro(o).UTC().Format(timestampLayout)
}

// Parse reads what Format wrote.
func (t CursorType) Parse(s string) (int64, error) {
	var err error
	switch t {
	case Int:
		var o int64
		if o, err = strconv.ParseInt(s, 10, 64); err == nil {
			return o, nil
		}
	case Date:
		var d time.Time
		if d, err = time.Parse("2006-01-02", s); err == nil {
			return d.Unix() / 86400, nil
		}
	case Timestamp:
		var ts time.Time
		if ts, err = time.Parse("2006-01-02 15:04:05.999999", s); err == nil {
			return ts.UnixMicro(), nil
		}
	default:
		err = errors.New("unknown cursor type")
	}
	return 0, fmt.Errorf("bad %s cursor value %q in the job's state: %v", t, s, err)
}

// Lookback converts a lookback into ordinal units: microseconds, whole
// days (rounded up); integer cursors take none.
func (t CursorType) Lookback(d time.Duration) (int64, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("%w: must not be negative", ErrLookback)
	case d == 0:
		return 0, nil
	case t == Int:
		return 0, fmt.Errorf("%w: a lookback is a duration and needs a date or timestamp cursor", ErrLookback)
	case t == Date:
		return int64((d + 24*time.Hour - 1) / (24 * time.Hour)), nil
	}
	return d.Microseconds(), nil
}

// PairHash hashes a row's key values (their bytes in the source's text
// form) with its cursor value.
func PairHash[B ~[]byte](keys []B, cursor int64) uint64 {
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

// DecodeSeen reads a state's groups: cursor ordinal -> hashes.
func DecodeSeen(t CursorType, groups []Group) (map[int64][]uint64, error) {
	out := map[int64][]uint64{}
	for _, g := range groups {
		o, err := t.Parse(g.Cursor)
		if err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(g.Hashes)
		if err != nil || len(b)%8 != 0 {
			return nil, fmt.Errorf("bad seen hashes in the job's state at cursor %s", g.Cursor)
		}
		for i := 0; i < len(b); i += 8 {
			out[o] = append(out[o], binary.BigEndian.Uint64(b[i:]))
		}
	}
	return out, nil
}

// EncodeSeen returns the groups to keep for a next run whose window starts
// at keepFrom, and the SeenFrom that goes with them (raised when the
// groups had to be trimmed to MaxSeen).
func EncodeSeen(t CursorType, written map[int64][]uint64, keepFrom int64) (groups []Group, seenFrom int64, trimmed bool) {
	var cursors []int64
	total := 0
	for o, hs := range written {
		if o >= keepFrom {
			cursors = append(cursors, o)
			total += len(hs)
		}
	}
	sort.Slice(cursors, func(i, j int) bool { return cursors[i] < cursors[j] })
	seenFrom = keepFrom
	for total > MaxSeen && len(cursors) > 0 {
		total -= len(written[cursors[0]])
		seenFrom = cursors[0] + 1
		cursors = cursors[1:]
		trimmed = true
	}
	for _, o := range cursors {
		hs := written[o]
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
		groups = append(groups, Group{Cursor: t.Format(o), Hashes: base64.StdEncoding.EncodeToString(b)})
	}
	return groups, seenFrom, trimmed
}

// Window returns the previous watermark, the start of the next window
// (watermark - lookback) and the state's SeenFrom (lo when it has none):
// the pairs of a window below SeenFrom are not in the state, and a run
// reads them back from the lake (LoadHeld).
func Window(t CursorType, st State, lookback int64) (wm, lo, seenFrom int64, err error) {
	if wm, err = t.Parse(st.Watermark); err != nil {
		return 0, 0, 0, err
	}
	lo = wm - lookback
	if st.SeenFrom == "" {
		return wm, lo, lo, nil
	}
	if seenFrom, err = t.Parse(st.SeenFrom); err != nil {
		return 0, 0, 0, err
	}
	return wm, lo, seenFrom, nil
}

package postgres

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"

	"github.com/lakectl/lakectl/lake/schema"
)

// convKind says how a column's text form (the snapshot reads text, and
// pgoutput sends text) becomes a lake value. The session settings in
// sessionParams fix the forms parsed here.
type convKind uint8

const (
	convText        convKind = iota // string as is
	convBool                        // t / f
	convInt16                       //
	convInt32                       //
	convInt64                       //
	convUint32                      // oid, xid
	convFloat32                     // NaN and ±Infinity kept (IEEE)
	convFloat64                     //
	convDecimal                     // numeric(p,s): NaN and ±Infinity become NULL, counted
	convNumericText                 // unconstrained numeric: exact text, NaN/Infinity as written
	convMoney                       // $1,234.56 -> decimal(19,2)
	convBytea                       // \x hex
	convDate                        // ±infinity become NULL, counted
	convTimestamp                   // as written (no time zone), ±infinity NULL
	convTimestamptz                 // UTC, ±infinity NULL
	convTime                        // 24:00:00 becomes 23:59:59.999999
	convArray                       // JSON array text
)

// sessionParams make the text forms of every session (snapshot and
// replication) the ones convert parses.
var sessionParams = map[string]string{
	"TimeZone":           "UTC",
	"DateStyle":          "ISO, MDY",
	"IntervalStyle":      "iso_8601",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
	"client_encoding":    "UTF8",
}

// counts are the values a run changed on purpose (docs/postgres.md), and
// the arena that string values of the current batch are copied into.
type counts struct {
	specials int64 // NaN/±Infinity numerics and ±infinity dates/timestamps written as NULL
	arena    []byte
}

// bytes copies b into the arena: one allocation per 64 KiB of text, not
// one per value. The values stay valid as long as the batch.
func (n *counts) bytes(b []byte) []byte {
	if cap(n.arena)-len(n.arena) < len(b) {
		n.arena = make([]byte, 0, max(64<<10, len(b)))
	}
	start := len(n.arena)
	n.arena = append(n.arena, b...)
	return n.arena[start:len(n.arena):len(n.arena)]
}

// value converts one column's text; nil is NULL.
func (c *column) value(b []byte, n *counts) (schema.Value, error) {
	if b == nil {
		return schema.NullValue(), nil
	}
	v, special, err := convert(c, b, n)
	if err != nil {
		return v, fmt.Errorf("column %q (%s): %w", c.Name, c.TypeName, err)
	}
	if special {
		n.specials++
		return schema.NullValue(), nil
	}
	return v, nil
}

func convert(c *column, b []byte, n *counts) (v schema.Value, special bool, err error) {
	switch c.conv {
	case convText, convNumericText:
		return schema.BytesValue(n.bytes(b)), false, nil
	case convBool:
		return schema.BoolValue(len(b) > 0 && b[0] == 't'), false, nil
	case convInt16, convInt32, convInt64, convUint32:
		i, ok := atoi(b)
		if !ok {
			return v, false, fmt.Errorf("bad integer %q", b)
		}
		switch c.conv {
		case convInt16, convInt32:
			return schema.Int32Value(int32(i)), false, nil
		case convUint32:
			return schema.Uint32Value(uint32(i)), false, nil
		}
		return schema.Int64Value(i), false, nil
	case convFloat32, convFloat64:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil && !math.IsInf(f, 0) {
			return v, false, err
		}
		if c.conv == convFloat32 {
			return schema.Float32Value(float32(f)), false, nil
		}
		return schema.Float64Value(f), false, nil
	case convDecimal:
		if len(b) > 0 && (b[0] == 'N' || b[0] == 'I' || (b[0] == '-' && len(b) > 1 && b[1] == 'I')) {
			return v, true, nil
		}
		if c.Type.Precision <= 18 {
			if u, ok := unscaled(b, c.Type.Scale); ok {
				return schema.DecimalFromUnscaled(c.Type, big.NewInt(u)), false, nil
			}
		}
		v, err := schema.ParseDecimal(c.Type, string(b))
		return v, false, err
	case convMoney:
		v, err := parseMoney(c.Type, b)
		return v, false, err
	case convBytea:
		return parseBytea(b)
	case convDate:
		d, ok, err := parseDate(b)
		if err != nil || !ok {
			return v, !ok && err == nil, err
		}
		return schema.Int32Value(int32(d)), false, nil
	case convTimestamp, convTimestamptz:
		us, ok, err := parseTimestamp(b, c.conv == convTimestamptz)
		if err != nil || !ok {
			return v, !ok && err == nil, err
		}
		return schema.Int64Value(us), false, nil
	case convTime:
		us, err := parseTime(b)
		return schema.Int64Value(us), false, err
	case convArray:
		out, err := arrayJSON(nil, b, c.elem)
		return schema.BytesValue(out), false, err
	}
	return v, false, fmt.Errorf("no converter %d", c.conv)
}

// unscaled reads numeric text with at most scale fraction digits as an
// unscaled integer, without allocating; ok is false when it cannot (the
// exact slow path then decides).
func unscaled(b []byte, scale int) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var u int64
	frac, digits := -1, 0
	for _, c := range b {
		switch {
		case c == '.' && frac < 0:
			frac = 0
		case c >= '0' && c <= '9':
			u = u*10 + int64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 18 || frac > scale {
		return 0, false
	}
	for range scale - max(frac, 0) {
		u *= 10
	}
	if neg {
		u = -u
	}
	return u, true
}

// atoi parses a decimal integer without allocating.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg || b[0] == '+' {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		return -int64(u), u <= 1<<63
	}
	return int64(u), u < 1<<63
}

func parseMoney(t schema.Type, b []byte) (schema.Value, error) {
	digits := make([]byte, 0, len(b))
	neg := false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.':
			digits = append(digits, c)
		case c == '-' || c == '(':
			neg = true
		}
	}
	if neg {
		digits = append([]byte{'-'}, digits...)
	}
	v, err := schema.ParseDecimal(t, string(digits))
	if err != nil {
		return v, fmt.Errorf("money %q: %w (lakectl reads money with 2 fraction digits and '.' as the decimal point; cast it to numeric in a view otherwise)", b, err)
	}
	return v, nil
}

func parseBytea(b []byte) (schema.Value, bool, error) {
	if len(b) < 2 || b[0] != '\\' || b[1] != 'x' {
		return schema.Value{}, false, fmt.Errorf("bytea not in hex form (bytea_output = hex)")
	}
	out := make([]byte, hex.DecodedLen(len(b)-2))
	if _, err := hex.Decode(out, b[2:]); err != nil {
		return schema.Value{}, false, err
	}
	return schema.BytesValue(out), false, nil
}

// digits reads n digits at b[i:].
func digits(b []byte, i, n int) (int, bool) {
	if i+n > len(b) {
		return 0, false
	}
	v := 0
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseYMD reads YYYY-MM-DD (years of 4+ digits) and returns the date and
// the index after it.
func parseYMD(b []byte) (y, m, d, next int, ok bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		y = y*10 + int(b[i]-'0')
		i++
	}
	if i < 4 || i >= len(b) || b[i] != '-' {
		return 0, 0, 0, 0, false
	}
	m, ok1 := digits(b, i+1, 2)
	d, ok2 := digits(b, i+4, 2)
	if !ok1 || !ok2 || b[i+3] != '-' {
		return 0, 0, 0, 0, false
	}
	return y, m, d, i + 6, true
}

// bc handles the " BC" suffix: year 1 BC is year 0 (ISO 8601).
func bc(b []byte, y int) ([]byte, int) {
	if n := len(b); n >= 3 && string(b[n-3:]) == " BC" {
		return b[:n-3], 1 - y
	}
	return b, y
}

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian
// date (year 0 is 1 BC), without time.Date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseDate returns days since 1970-01-01; ok is false for ±infinity.
func parseDate(b []byte) (int64, bool, error) {
	if len(b) > 0 && (b[0] == 'i' || b[0] == '-') {
		return 0, false, nil
	}
	y, m, d, next, ok := parseYMD(b)
	if !ok {
		return 0, false, fmt.Errorf("bad date %q", b)
	}
	rest, y := bc(b[next:], y)
	if len(rest) != 0 {
		return 0, false, fmt.Errorf("bad date %q", b)
	}
	return daysFromCivil(y, m, d), true, nil
}

// parseClock reads HH:MM:SS[.ffffff] at b and returns microseconds since
// midnight and the index after it.
func parseClock(b []byte) (int64, int, error) {
	h, ok1 := digits(b, 0, 2)
	mi, ok2 := digits(b, 3, 2)
	s, ok3 := digits(b, 6, 2)
	if !ok1 || !ok2 || !ok3 || b[2] != ':' || b[5] != ':' {
		return 0, 0, fmt.Errorf("bad time %q", b)
	}
	us := (int64(h)*3600 + int64(mi)*60 + int64(s)) * 1_000_000
	i := 8
	if i < len(b) && b[i] == '.' {
		i++
		scale := int64(100_000)
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			us += int64(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	return us, i, nil
}

func parseTime(b []byte) (int64, error) {
	us, next, err := parseClock(b)
	if err != nil || next != len(b) {
		return 0, fmt.Errorf("bad time %q", b)
	}
	return min(us, 86_399_999_999), nil
}

// parseTimestamp returns UTC microseconds since the epoch; ok is false for
// ±infinity. With tz, a trailing ±HH[:MM[:SS]] offset is applied.
func parseTimestamp(b []byte, tz bool) (int64, bool, error) {
	if len(b) > 0 && (b[0] == 'i' || b[0] == '-') {
		return 0, false, nil
	}
	y, m, d, next, ok := parseYMD(b)
	if !ok || next >= len(b) || b[next] != ' ' {
		return 0, false, fmt.Errorf("bad timestamp %q", b)
	}
	rest, y := bc(b[next+1:], y)
	us, i, err := parseClock(rest)
	if err != nil {
		return 0, false, fmt.Errorf("bad timestamp %q", b)
	}
	rest = rest[i:]
	var off int64
	if tz && len(rest) > 0 {
		sign := int64(1)
		if rest[0] == '-' {
			sign = -1
		} else if rest[0] != '+' {
			return 0, false, fmt.Errorf("bad timestamp %q", b)
		}
		parts := [3]int{}
		for k, p := 0, 1; k < 3 && p < len(rest); k, p = k+1, p+3 {
			v, ok := digits(rest, p, 2)
			if !ok {
				return 0, false, fmt.Errorf("bad timestamp %q", b)
			}
			parts[k] = v
		}
		off = sign * int64(parts[0]*3600+parts[1]*60+parts[2]) * 1_000_000
		rest = nil
	}
	if len(rest) != 0 {
		return 0, false, fmt.Errorf("bad timestamp %q", b)
	}
	return daysFromCivil(y, m, d)*86_400_000_000 + us - off, true, nil
}

package mysql

import (
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"

	"github.com/lakectl/lakectl/lake/schema"
)

// arenaSize is the size of the blocks that string and binary values are
// copied into: one allocation per block instead of one per value.
const arenaSize = 256 << 10

// converter turns the text-protocol bytes of a row into schema values with
// hand parsers: no interface boxing, no time.Parse, no float detours.
// One converter per reading goroutine; not safe for concurrent use.
type converter struct {
	cols      []column
	arena     []byte
	days      []dayCache // by column, for datetime columns
	zeroDates int64      // zero dates (and zero years) turned into NULL
}

func newConverter(cols []column) *converter {
	return &converter{cols: cols, days: make([]dayCache, len(cols))}
}

// keep copies b into the arena and returns the copy; the driver reuses its
// buffer on the next row.
func (c *converter) keep(b []byte) []byte {
	if len(b) > arenaSize/8 {
		return append([]byte(nil), b...)
	}
	if len(c.arena)+len(b) > cap(c.arena) {
		c.arena = make([]byte, 0, arenaSize)
	}
	n := len(c.arena)
	c.arena = append(c.arena, b...)
	return c.arena[n:len(c.arena):len(c.arena)]
}

// value converts column i's bytes (nil = SQL NULL) into *dst. Values are
// stored through dst, not returned: a returned schema.Value is assembled
// in memory field by field and read back whole, a stalled store-to-load
// forward per value. Strings, the commonest, convert here; other kinds in
// one function per family.
func (c *converter) value(dst *schema.Value, i int, b []byte) error {
	if b == nil {
		*dst = schema.NullValue()
		return nil
	}
	col := &c.cols[i]
	switch col.conv {
	case convString, convBytes:
		*dst = schema.BytesValue(c.keep(b))
		return nil
	case convInt, convUint, convBool, convBitBool, convBit:
		return integer(dst, col, b)
	case convFloat32, convFloat64, convDecimal, convDecimalBig:
		return number(dst, col, b)
	case convDate, convDatetime, convTime, convYear:
		return c.temporal(dst, i, b)
	}
	return badValue(col, b)
}

// integer converts the text of an integer, boolean or BIT column (the
// cases look alike but differ in parser and type).
func integer(dst *schema.Value, col *column, b []byte) error {
	switch col.conv {
	case convInt:
		n, ok := parseInt(b)
		if !ok {
			return badValue(col, b)
		}
		setInt(dst, col, n)
		return nil
	case convUint:
		n, ok := parseUint(b)
		if !ok {
			return badValue(col, b)
		}
		setUint(dst, col, n)
		return nil
	case convBool:
		n, ok := parseInt(b)
		if !ok {
			return badValue(col, b)
		}
		*dst = schema.BoolValue(n != 0)
		return nil
	case convBitBool:
		*dst = schema.BoolValue(len(b) > 0 && b[len(b)-1] != 0)
		return nil
	}
	var n uint64 // convBit: big-endian bytes
	for _, x := range b {
		n = n<<8 | uint64(x)
	}
	*dst = schema.Uint64Value(n)
	return nil
}

// setInt stores n as the column's signed type (INT64, or INT32 for the
// narrower ones).
func setInt(dst *schema.Value, col *column, n int64) {
	if col.Type.Kind == schema.Int64 {
		*dst = schema.Int64Value(n)
		return
	}
	*dst = schema.Int32Value(int32(n))
}

// setUint stores n as the column's unsigned type (UINT64, or UINT32 for
// the narrower ones).
func setUint(dst *schema.Value, col *column, n uint64) {
	if col.Type.Kind == schema.Uint64 {
		*dst = schema.Uint64Value(n)
		return
	}
	*dst = schema.Uint32Value(uint32(n))
}

// number converts the text of a FLOAT, DOUBLE or DECIMAL column.
func number(dst *schema.Value, col *column, b []byte) error {
	switch col.conv {
	case convFloat32:
		f, err := strconv.ParseFloat(string(b), 32)
		if err != nil {
			return badValue(col, b)
		}
		*dst = schema.Float32Value(float32(f))
		return nil
	case convFloat64:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return badValue(col, b)
		}
		*dst = schema.Float64Value(f)
		return nil
	case convDecimal:
		u, ok := parseDecimal64(b, col.Type.Scale)
		if !ok {
			return badValue(col, b)
		}
		if col.Type.Precision <= 9 { // schema.DecimalFromUnscaled's forms, without a big.Int
			*dst = schema.Int32Value(int32(u))
			return nil
		}
		*dst = schema.Int64Value(u)
		return nil
	}
	v, err := schema.ParseDecimal(col.Type, string(b)) // convDecimalBig
	if err != nil {
		return fmt.Errorf("column %q: %w", col.Name, err)
	}
	*dst = v
	return nil
}

// temporal converts the text of a DATE, DATETIME, TIMESTAMP, TIME or YEAR
// column; zero dates become NULL and are counted.
func (c *converter) temporal(dst *schema.Value, i int, b []byte) error {
	col := &c.cols[i]
	var (
		n        int64
		zero, ok bool
	)
	switch col.conv {
	case convDate:
		n, zero, ok = parseDate(b)
	case convDatetime:
		n, zero, ok = c.datetime(i, b)
	case convTime:
		n, ok = parseTime(b)
	default: // convYear
		n, ok = parseInt(b)
		zero = n == 0
	}
	if !ok {
		return badValue(col, b)
	}
	if zero {
		c.zeroDate(dst)
		return nil
	}
	if col.conv == convDate || col.conv == convYear {
		*dst = schema.Int32Value(int32(n))
		return nil
	}
	*dst = schema.Int64Value(n)
	return nil
}

// zeroDate stores the NULL a zero date ('0000-00-00', year 0) becomes.
func (c *converter) zeroDate(dst *schema.Value) {
	c.zeroDates++
	*dst = schema.NullValue()
}

// fromDriver converts into *dst column i's value as go-sql-driver's text
// protocol returns it: nil, []byte, or, for numeric column types, int64, uint64,
// float32 or float64 already parsed. n is its size on the wire (integers
// as their digits, floats as 8 bytes).
func (c *converter) fromDriver(dst *schema.Value, i int, v driver.Value) (n int, err error) {
	col := &c.cols[i]
	switch v := v.(type) {
	case nil:
		*dst = schema.NullValue()
		return 0, nil
	case []byte:
		return len(v), c.value(dst, i, v)
	case int64:
		n = intLen(v)
		switch {
		case col.conv == convInt:
			setInt(dst, col, v)
			return n, nil
		case col.conv == convUint && v >= 0:
			setUint(dst, col, uint64(v))
			return n, nil
		case col.conv == convBool:
			*dst = schema.BoolValue(v != 0)
			return n, nil
		case col.conv == convYear && v == 0:
			c.zeroDate(dst)
			return n, nil
		case col.conv == convYear:
			*dst = schema.Int32Value(int32(v))
			return n, nil
		}
	case uint64:
		if col.conv == convUint {
			setUint(dst, col, v)
			return uintLen(v), nil
		}
	case float64:
		if col.conv == convFloat64 {
			*dst = schema.Float64Value(v)
			return 8, nil
		}
	case float32:
		if col.conv == convFloat32 {
			*dst = schema.Float32Value(v)
			return 8, nil
		}
	}
	// Any other pairing: through the value's text, as database/sql would.
	b := appendText(nil, v)
	return len(b), c.value(dst, i, b)
}

// appendText appends v's text exactly as database/sql renders a driver
// value into sql.RawBytes (so filters and keys see the bytes they always
// saw).
func appendText(dst []byte, v driver.Value) []byte {
	switch v := v.(type) {
	case []byte:
		return append(dst, v...)
	case int64:
		return strconv.AppendInt(dst, v, 10)
	case uint64:
		return strconv.AppendUint(dst, v, 10)
	case float64:
		return strconv.AppendFloat(dst, v, 'g', -1, 64)
	case float32:
		return strconv.AppendFloat(dst, float64(v), 'g', -1, 32)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return append(dst, v...)
	case nil:
		return dst
	}
	return fmt.Append(dst, v)
}

// uintLen is the number of decimal digits of u.
func uintLen(u uint64) int {
	n := 1
	for u >= 10_000 {
		u /= 10_000
		n += 4
	}
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}

// intLen is the length of v's decimal text.
func intLen(v int64) int {
	if v < 0 {
		return 1 + uintLen(uint64(-v))
	}
	return uintLen(uint64(v))
}

func badValue(col *column, b []byte) error {
	if len(b) > 64 {
		b = b[:64]
	}
	return fmt.Errorf("column %q (%s): cannot read value %q", col.Name, col.Declared, b)
}

func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	for _, ch := range b {
		d := uint64(ch - '0')
		if d > 9 {
			return 0, false
		}
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseDecimal64 reads "-123.4500" (MySQL always prints exactly the
// column's scale) into the unscaled integer, for precision up to 18.
func parseDecimal64(b []byte, scale int) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg || len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	var n int64
	digits, frac, dot := 0, 0, false
	for _, ch := range b {
		if ch == '.' {
			if dot {
				return 0, false
			}
			dot = true
			continue
		}
		d := int64(ch - '0')
		if d < 0 || d > 9 {
			return 0, false
		}
		n = n*10 + d
		digits++
		if dot {
			frac++
		}
	}
	if digits == 0 || digits > 19 || frac > scale {
		return 0, false
	}
	for ; frac < scale; frac++ {
		n *= 10
	}
	if n < 0 { // overflow: impossible for precision <= 18
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// num reads a fixed-width run of ASCII digits.
func num(b []byte) (int, bool) {
	n := 0
	for _, ch := range b {
		d := int(ch - '0')
		if d < 0 || d > 9 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, len(b) > 0
}

// num2 is num of a two-digit field, unrolled: datetimes have five.
func num2(b []byte) (int, bool) {
	_ = b[1]
	hi, lo := b[0]-'0', b[1]-'0'
	return int(hi)*10 + int(lo), hi <= 9 && lo <= 9
}

// daysFromCivil counts days from 1970-01-01 to y-m-d (proleptic Gregorian),
// Howard Hinnant's algorithm.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseDate reads "YYYY-MM-DD"; zero is true for MySQL's zero dates
// ('0000-00-00', or a zero month or day).
func parseDate(b []byte) (days int64, zero, ok bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, false, false
	}
	y, ok1 := num(b[0:4])
	m, ok2 := num2(b[5:7])
	d, ok3 := num2(b[8:10])
	if !ok1 || !ok2 || !ok3 || m > 12 || d > 31 {
		return 0, false, false
	}
	if y == 0 || m == 0 || d == 0 {
		return 0, true, true
	}
	return daysFromCivil(y, m, d), false, true
}

// parseDatetime reads "YYYY-MM-DD HH:MM:SS[.ffffff]" as UTC microseconds.
func parseDatetime(b []byte) (us int64, zero, ok bool) {
	_, us, zero, ok = datetimeDays(b)
	return us, zero, ok
}

// datetimeDays is parseDatetime that also returns the date's day number.
func datetimeDays(b []byte) (days, us int64, zero, ok bool) {
	if len(b) < 19 || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return 0, 0, false, false
	}
	days, zero, ok = parseDate(b[:10])
	if !ok || zero {
		return 0, 0, zero, ok
	}
	us, ok = timeOfDay(days, b)
	return days, us, false, ok
}

// timeOfDay reads the " HH:MM:SS[.ffffff]" after a datetime's date (b is
// the whole datetime, at least 19 bytes) and adds it to the date's days.
func timeOfDay(days int64, b []byte) (int64, bool) {
	if b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	h, ok1 := num2(b[11:13])
	mi, ok2 := num2(b[14:16])
	s, ok3 := num2(b[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return 0, false
	}
	frac, ok := parseFraction(b[19:])
	if !ok {
		return 0, false
	}
	return ((days*24+int64(h))*60+int64(mi))*60_000_000 + int64(s)*1_000_000 + frac, true
}

// dayCache is a datetime column's last date and its day number: rows in
// time order repeat their date, whose parse costs more than the time's.
type dayCache struct {
	date [10]byte
	days int64
	set  bool
}

// datetime is parseDatetime through column i's dayCache.
func (c *converter) datetime(i int, b []byte) (us int64, zero, ok bool) {
	d := &c.days[i]
	if len(b) >= 19 && d.set && string(b[:10]) == string(d.date[:]) {
		us, ok = timeOfDay(d.days, b)
		return us, false, ok
	}
	days, us, zero, ok := datetimeDays(b)
	if ok && !zero {
		copy(d.date[:], b[:10])
		d.days, d.set = days, true
	}
	return us, zero, ok
}

// parseFraction reads "" or ".f" .. ".ffffff" as microseconds.
func parseFraction(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if b[0] != '.' || len(b) > 7 || len(b) < 2 {
		return 0, false
	}
	f, ok := num(b[1:])
	if !ok {
		return 0, false
	}
	for i := len(b) - 1; i < 6; i++ {
		f *= 10
	}
	return int64(f), true
}

// parseTime reads a MySQL TIME, a signed duration "[-]H..HHH:MM:SS[.ffffff]"
// (-838:59:59 to 838:59:59), as microseconds.
func parseTime(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	colon := 0
	for colon < len(b) && b[colon] != ':' {
		colon++
	}
	if colon < 1 || colon > 3 || len(b) < colon+6 || b[colon+3] != ':' {
		return 0, false
	}
	h, ok1 := num(b[:colon])
	m, ok2 := num(b[colon+1 : colon+3])
	s, ok3 := num(b[colon+4 : colon+6])
	if !ok1 || !ok2 || !ok3 || m > 59 || s > 59 {
		return 0, false
	}
	frac, ok := parseFraction(b[colon+6:])
	if !ok {
		return 0, false
	}
	us := (int64(h)*3600+int64(m)*60+int64(s))*1_000_000 + frac
	if neg {
		us = -us
	}
	return us, true
}

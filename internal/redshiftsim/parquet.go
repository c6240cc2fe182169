package redshiftsim

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// cell is one value as PostgreSQL COPY text, or NULL.
type cell struct {
	null bool
	text string
}

// readParquet reads one Parquet object with parquet-go (its own reader,
// not lakectl's) and writes its rows as COPY text to w. Columns map to
// the target columns by position
// (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html);
// a VARCHAR value longer than the column, in bytes, fails the COPY
// (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html).
func (s *session) readParquet(ctx context.Context, src source, target []column, fill bool, w io.Writer) (int64, error) {
	data, err := s.get(ctx, src.url)
	var missing *types.NoSuchKey
	if errors.As(err, &missing) && src.optional {
		return 0, nil // "mandatory": false
	}
	if err != nil {
		return 0, errorf("XX000", "S3ServiceException: %s: %v (a mandatory manifest entry must exist)", src.url, err)
	}
	if int64(len(data)) != src.size {
		return 0, errorf("XX000", "Spectrum Scan Error: file %s has size %d, the manifest's content_length says %d", src.url, len(data), src.size)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, errorf("XX000", "Spectrum Scan Error: %s is not a valid Parquet file: %v", src.url, err)
	}
	leaves := f.Root().Columns()
	if len(leaves) > len(target) || (len(leaves) < len(target) && !fill) {
		return 0, errorf("XX000", "Spectrum Scan Error: file %s has %d columns, the COPY loads %d: incompatible Parquet schema", src.url, len(leaves), len(target))
	}
	cols := make([][]cell, len(leaves))
	for i, leaf := range leaves {
		if !leaf.Leaf() {
			return 0, errorf("XX000", "Spectrum Scan Error: column %s of %s is nested", leaf.Name(), src.url)
		}
		if err := compatible(leaf, target[i]); err != nil {
			return 0, errorf("XX000", "Spectrum Scan Error: file %s has an incompatible Parquet schema for column %d (%s): %v", src.url, i+1, target[i].name, err)
		}
		if cols[i], err = readColumn(leaf); err != nil {
			return 0, errorf("XX000", "Spectrum Scan Error: %s column %s: %v", src.url, leaf.Name(), err)
		}
	}
	n := f.NumRows()
	var buf bytes.Buffer
	for r := range n {
		buf.Reset()
		for i, t := range target {
			if i > 0 {
				buf.WriteByte('\t')
			}
			if i >= len(cols) || cols[i][r].null {
				buf.WriteString(`\N`)
				continue
			}
			v := cols[i][r].text
			if t.length > 0 && len(v) > t.length {
				return r, &loadError{file: src.url, line: r + 1, column: t.name, colType: t.typ, colLength: strconv.Itoa(t.length),
					raw: v, code: 1204, msg: fmt.Sprintf("String length exceeds DDL length: %d bytes into %s(%d)", len(v), t.typ, t.length)}
			}
			if t.typ == "bytea" {
				v = `\x` + hex.EncodeToString([]byte(v))
			}
			copyText(&buf, v)
		}
		buf.WriteByte('\n')
		if _, err := w.Write(buf.Bytes()); err != nil {
			return r, err
		}
	}
	return n, nil
}

// readColumn reads every value of a leaf column, all row groups, as text.
func readColumn(c *parquet.Column) ([]cell, error) {
	pages := c.Pages()
	defer pages.Close()
	var out []cell
	buf := make([]parquet.Value, 1024)
	for {
		p, err := pages.ReadPage()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(buf)
			for _, v := range buf[:n] {
				if v.IsNull() {
					out = append(out, cell{null: true})
					continue
				}
				t, err := text(c.Type(), v)
				if err != nil {
					return nil, err
				}
				out = append(out, cell{text: t})
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

// text renders a Parquet value by its logical type as PostgreSQL reads it.
func text(t parquet.Type, v parquet.Value) (string, error) {
	lt := t.LogicalType()
	var lv format.LogicalTypeValue
	if lt != nil {
		lv = lt.Value
	}
	switch x := lv.(type) {
	case *format.DateType:
		return time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02"), nil
	case *format.TimestampType:
		ts := timeOf(v.Int64(), x.Unit)
		if x.IsAdjustedToUTC {
			return ts.Format("2006-01-02 15:04:05.999999") + "+00", nil
		}
		return ts.Format("2006-01-02 15:04:05.999999"), nil
	case *format.TimeType:
		n := v.Int64()
		if t.Kind() == parquet.Int32 {
			n = int64(v.Int32())
		}
		return timeOf(n, x.Unit).Format("15:04:05.999999"), nil
	case *format.DecimalType:
		return decimal(t, v, int(x.Scale)), nil
	case *format.IntType:
		if !x.IsSigned {
			if t.Kind() == parquet.Int32 {
				return strconv.FormatUint(uint64(uint32(v.Int32())), 10), nil
			}
			return strconv.FormatUint(v.Uint64(), 10), nil
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return strconv.FormatBool(v.Boolean()), nil
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10), nil
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10), nil
	case parquet.Float:
		return floatText(float64(v.Float()), 32), nil
	case parquet.Double:
		return floatText(v.Double(), 64), nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray()), nil
	}
	return "", fmt.Errorf("unsupported Parquet type %s", t)
}

func timeOf(n int64, u format.TimeUnit) time.Time {
	switch u.Value.(type) {
	case *format.MilliSeconds:
		return time.UnixMilli(n).UTC()
	case *format.NanoSeconds:
		return time.Unix(0, n).UTC()
	}
	return time.UnixMicro(n).UTC()
}

func floatText(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// decimal renders an unscaled integer (INT32, INT64 or big-endian two's
// complement bytes) with scale digits after the point.
func decimal(t parquet.Type, v parquet.Value, scale int) string {
	u := new(big.Int)
	switch t.Kind() {
	case parquet.Int32:
		u.SetInt64(int64(v.Int32()))
	case parquet.Int64:
		u.SetInt64(v.Int64())
	default:
		b := v.ByteArray()
		u.SetBytes(b)
		if len(b) > 0 && b[0]&0x80 != 0 {
			u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
		}
	}
	neg := u.Sign() < 0
	digits := new(big.Int).Abs(u).String()
	if scale > 0 {
		for len(digits) <= scale {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// compatible checks a Parquet column against the table column it loads
// into by position: COPY fails on a type it cannot convert
// (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html).
func compatible(leaf *parquet.Column, c column) error {
	file := category(leaf.Type())
	want := map[string][]string{
		"varchar": {"string", "bytes"}, "bpchar": {"string", "bytes"}, "text": {"string", "bytes"},
		"int2": {"int"}, "int4": {"int"}, "int8": {"int"}, "numeric": {"int", "decimal"},
		"float4": {"int", "decimal", "float"}, "float8": {"int", "decimal", "float"}, "bool": {"bool"},
		"date": {"date", "timestamp"}, "timestamp": {"timestamp", "date"}, "timestamptz": {"timestamp", "date"},
		"time": {"time"}, "timetz": {"time"}, "bytea": {"bytes", "string"}, "jsonb": {"string", "bytes"},
	}[c.typ]
	if want == nil {
		return nil
	}
	for _, w := range want {
		if w == file {
			return nil
		}
	}
	return fmt.Errorf("the file's %s (%s) cannot load into %s", leaf.Name(), file, c.typ)
}

func category(t parquet.Type) string {
	if lt := t.LogicalType(); lt != nil {
		switch lt.Value.(type) {
		case *format.StringType, *format.JsonType, *format.EnumType, *format.UUIDType:
			return "string"
		case *format.DecimalType:
			return "decimal"
		case *format.DateType:
			return "date"
		case *format.TimestampType:
			return "timestamp"
		case *format.TimeType:
			return "time"
		case *format.IntType:
			return "int"
		}
	}
	switch t.Kind() {
	case parquet.Boolean:
		return "bool"
	case parquet.Int32, parquet.Int64:
		return "int"
	case parquet.Float, parquet.Double:
		return "float"
	}
	return "bytes"
}

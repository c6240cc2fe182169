package parquetfile

import (
	"encoding/binary"
	"encoding/hex"
	"math/big"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/schema"
)

// julianDayOfEpoch is the Julian day number of 1970-01-01 (INT96 timestamps
// count days from the Julian epoch).
const julianDayOfEpoch = 2440588

// apply converts a non-null value of another tool's physical form to
// lake/schema's form for t.
func (c conversion) apply(t schema.Type, v parquet.Value) parquet.Value {
	switch c {
	case convInt96Micros:
		i := v.Int96()
		var b [12]byte
		binary.LittleEndian.PutUint32(b[0:], i[0])
		binary.LittleEndian.PutUint32(b[4:], i[1])
		binary.LittleEndian.PutUint32(b[8:], i[2])
		nanosOfDay := int64(binary.LittleEndian.Uint64(b[:8]))
		day := int64(binary.LittleEndian.Uint32(b[8:]))
		return schema.Int64Value((day-julianDayOfEpoch)*86_400_000_000 + nanosOfDay/1000)
	case convMillisMicros:
		return schema.Int64Value(intOf(v) * 1000)
	case convNanosMicros:
		n := intOf(v)
		us := n / 1000
		if n%1000 < 0 {
			us-- // floor, so times before 1970 stay in their microsecond
		}
		return schema.Int64Value(us)
	case convInt32ToInt64:
		return schema.Int64Value(int64(v.Int32()))
	case convInt64ToInt32:
		return schema.Int32Value(int32(v.Int64()))
	case convDecimal:
		return schema.DecimalFromUnscaled(t, unscaledOf(v))
	case convFixedToBytes:
		return schema.BytesValue(v.ByteArray())
	case convUUIDString:
		b := v.ByteArray()
		if len(b) != 16 {
			return schema.BytesValue(b)
		}
		var h [36]byte
		hex.Encode(h[0:8], b[0:4])
		hex.Encode(h[9:13], b[4:6])
		hex.Encode(h[14:18], b[6:8])
		hex.Encode(h[19:23], b[8:10])
		hex.Encode(h[24:], b[10:])
		h[8], h[13], h[18], h[23] = '-', '-', '-', '-'
		return schema.StringValue(string(h[:]))
	}
	return v
}

func intOf(v parquet.Value) int64 {
	if v.Kind() == parquet.Int32 {
		return int64(v.Int32())
	}
	return v.Int64()
}

// unscaledOf reads a decimal's unscaled integer from any physical form:
// INT32, INT64, or big-endian two's complement bytes of any length.
func unscaledOf(v parquet.Value) *big.Int {
	switch v.Kind() {
	case parquet.Int32:
		return big.NewInt(int64(v.Int32()))
	case parquet.Int64:
		return big.NewInt(v.Int64())
	}
	return schema.SignedBigEndian(v.ByteArray())
}

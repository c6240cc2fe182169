package parquetfile

import (
	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// fastSnappy is parquet-go's SNAPPY codec with klauspost's default-speed
// encoder instead of its "better" one, which costs about twice the CPU for
// a few percent smaller pages. The output is plain Snappy block format
// (same codec id), so every reader, and compaction's verbatim chunk copy,
// treat it as SNAPPY.
type fastSnappy struct{ snappy.Codec }

func (*fastSnappy) Encode(dst, src []byte) ([]byte, error) {
	return s2.EncodeSnappy(dst, src), nil
}

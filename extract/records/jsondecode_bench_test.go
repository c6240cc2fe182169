package records

import (
	"strings"
	"testing"
)

// benchJSONLines is records whose strings are mostly plain, with some
// escapes and non-ASCII text, as API pages carry.
func benchJSONLines() []byte {
	var sb strings.Builder
	for i := 0; i < 1000; i++ {
		sb.WriteString(`{"id":12345,"name":"plain ascii name","note":"line\nbreak \"quoted\" \u00e9t\u00e9 \ud83d\ude00","city":"Zürich","tags":["a","b\tc"],"ok":true,"v":1.5e3}` + "\n")
	}
	return []byte(sb.String())
}

func BenchmarkStreamNext(b *testing.B) {
	data := benchJSONLines()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var s Stream
		for off := 0; ; {
			_, next, err := s.Next(data, off)
			if err != nil {
				break
			}
			off = next
		}
	}
}

// BenchmarkStrings parses strings alone: plain ones (the fast path) and
// ones with escapes and non-ASCII text (the slow path).
func BenchmarkStrings(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"plain", `"a plain ascii string of some forty bytes"`},
		{"escaped", `"line\nbreak \"quoted\" \u00e9t\u00e9 \ud83d\ude00 Zürich"`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var sb strings.Builder
			sb.WriteString("[")
			for i := 0; i < 1000; i++ {
				if i > 0 {
					sb.WriteString(",")
				}
				sb.WriteString(bc.s)
			}
			sb.WriteString("]")
			data := []byte(sb.String())
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := ParseJSON(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

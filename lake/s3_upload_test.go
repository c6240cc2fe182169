package lake

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// The first part's chunks grow with the body: a short body comes back
// whole with io.EOF in chunks near its size, a long one as exactly one
// part; the bytes read back as they came.
func TestReadFirstPartGrowsWithTheBody(t *testing.T) {
	const part = 5 << 20
	for _, n := range []int{0, 1, 300 << 10, part - 1, part, part + 1} {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(i * 31)
		}
		got, err := readFirstPart(iotest.HalfReader(bytes.NewReader(body)), part)
		switch {
		case n < part && err != io.EOF:
			t.Fatalf("%d bytes: err %v, want io.EOF", n, err)
		case n >= part && err != nil:
			t.Fatalf("%d bytes: err %v, want nil", n, err)
		case got.Size() != int64(min(n, part)):
			t.Fatalf("%d bytes: read %d, want %d", n, got.Size(), min(n, part))
		case held(got) > max(2*n, 256<<10) || held(got) > part:
			t.Fatalf("%d bytes: chunks of %d bytes", n, held(got))
		case !bytes.Equal(readAll(got), body[:got.Size()]):
			t.Fatalf("%d bytes: read back other bytes", n)
		}
	}
}

func held(p *chunkedPart) int {
	n := 0
	for _, c := range p.chunks {
		n += cap(c)
	}
	return n
}

func readAll(p *chunkedPart) []byte {
	out := make([]byte, p.Size())
	_, _ = p.ReadAt(out, 0)
	return out
}

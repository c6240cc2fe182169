package lake

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// The first part's buffer grows with the body: a short body comes back
// whole with io.EOF and a buffer near its size, a long one as exactly one
// part.
func TestReadFirstPartGrowsWithTheBody(t *testing.T) {
	const part = 5 << 20
	for _, n := range []int{0, 1, 300 << 10, part - 1, part, part + 1} {
		body := bytes.Repeat([]byte{7}, n)
		got, err := readFirstPart(iotest.HalfReader(bytes.NewReader(body)), part)
		switch {
		case n < part && err != io.EOF:
			t.Fatalf("%d bytes: err %v, want io.EOF", n, err)
		case n >= part && err != nil:
			t.Fatalf("%d bytes: err %v, want nil", n, err)
		case len(got) != min(n, part):
			t.Fatalf("%d bytes: read %d, want %d", n, len(got), min(n, part))
		case cap(got) > max(2*n, 256<<10) || cap(got) > part:
			t.Fatalf("%d bytes: buffer of %d bytes", n, cap(got))
		}
	}
}

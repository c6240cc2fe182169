package api

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// onlyReader hides bytes.Reader's WriterTo, as a response body does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// readAll gives the whole body whatever the announced length and the
// hint.
func TestReadAllWithHints(t *testing.T) {
	body := strings.Repeat("x", 70000)
	for _, announced := range []int64{-1, int64(len(body))} {
		for _, hint := range []int64{0, 100, 69999, 70000, 1 << 20, maxBodyBytes * 2} {
			got, err := readAll(onlyReader{bytes.NewReader([]byte(body))}, announced, hint)
			if err != nil || string(got) != body {
				t.Errorf("announced %d hint %d: %d bytes, %v", announced, hint, len(got), err)
			}
		}
	}
}

package files

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/lakectl/lakectl/extract/records"
)

// Formats of landed objects.
const (
	FormatAuto  = "auto"  // by suffix, else by the first byte
	FormatJSON  = "json"  // one JSON array of objects
	FormatJSONL = "jsonl" // objects one a line, or concatenated (Firehose)
	FormatCSV   = "csv"   // a header line, then rows
)

// BadRecord is one record that could not be decoded.
type BadRecord struct {
	Line   int    `json:"line"` // 1-based, in the uncompressed object
	Reason string `json:"reason"`
}

// decoded is an object's records and its bad ones.
type decoded struct {
	recs  []map[string]any
	lines []int // the line each record starts on
	bad   []BadRecord
	// fatal: the rest of the object could not be read at all (a JSON
	// array cut short): every record after the bad one is lost.
	fatal bool
}

var gzipMagic = []byte{0x1f, 0x8b}

// uncompress returns the object's bytes, gunzipped when its key ends in
// .gz or its content starts with gzip's magic bytes (Firehose names
// compressed objects without a suffix).
func uncompress(key string, body []byte) ([]byte, error) {
	if !strings.HasSuffix(key, ".gz") && !bytes.HasPrefix(body, gzipMagic) {
		return body, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	if zr == nil {
		zr = new(gzip.Reader)
	}
	defer gzipReaders.Put(zr)
	if err := zr.Reset(bytes.NewReader(body)); err != nil {
		return nil, fmt.Errorf("not gzip data: %v", err)
	}
	zr.Multistream(true) // Firehose appends gzip members
	out, err := readAll(zr, gunzippedSize(body))
	if err != nil {
		return nil, fmt.Errorf("gzip data cut short or corrupt: %v", err)
	}
	return out, nil
}

// gzipReaders keeps gzip readers (their tables are tens of KiB) between
// objects.
var gzipReaders sync.Pool

// gunzippedSize guesses the uncompressed size from the gzip trailer (the
// last member's size modulo 2^32), within sane bounds, else 0.
func gunzippedSize(body []byte) int {
	if len(body) < 18 {
		return 0
	}
	n := int(binary.LittleEndian.Uint32(body[len(body)-4:]))
	if n > 64*len(body)+1<<20 {
		return 0
	}
	return n
}

// readAll is io.ReadAll starting with room for size bytes (and one more,
// to see the end without growing).
func readAll(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, max(size+1, 512))
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// formatOf is the object's format: the given one, or by suffix, or by
// the first byte that is not white space ('[' is a JSON array).
func formatOf(format, key string, b []byte) string {
	if format != "" && format != FormatAuto {
		return format
	}
	k := strings.TrimSuffix(strings.ToLower(key), ".gz")
	switch {
	case strings.HasSuffix(k, ".csv"):
		return FormatCSV
	case strings.HasSuffix(k, ".jsonl"), strings.HasSuffix(k, ".ndjson"):
		return FormatJSONL
	}
	if t := bytes.TrimLeft(b, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '[' {
		return FormatJSON
	}
	return FormatJSONL
}

// decode reads the records of an uncompressed object.
func decode(format string, b []byte) decoded {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	switch format {
	case FormatJSON:
		return decodeArray(b)
	case FormatCSV:
		return decodeCSV(b)
	}
	return decodeStream(b)
}

// decodeStream reads JSON values one after the other, separated by new
// lines, other white space or nothing at all. After a bad value it goes
// on at the next line.
func decodeStream(b []byte) decoded {
	var d decoded
	// b is the object's own buffer, never changed: values may share it.
	stream := records.Stream{Shared: true}
	i, line, counted := 0, 1, 0 // line is the line of offset counted
	lineAt := func(off int) int {
		line += bytes.Count(b[counted:off], []byte{'\n'})
		counted = off
		return line
	}
	for {
		start := i
		for start < len(b) && (b[start] == ' ' || b[start] == '\t' || b[start] == '\r' || b[start] == '\n') {
			start++
		}
		v, next, err := stream.Next(b, start)
		if err == io.EOF {
			return d
		}
		if err != nil {
			d.bad = append(d.bad, BadRecord{Line: lineAt(start), Reason: "not valid JSON: " + err.Error()})
			nl := bytes.IndexByte(b[start:], '\n')
			if nl < 0 {
				return d
			}
			i = start + nl + 1
			continue
		}
		i = next
		obj, ok := v.(map[string]any)
		if !ok {
			d.bad = append(d.bad, BadRecord{Line: lineAt(start), Reason: fmt.Sprintf("a record is %s, want an object", records.Kind(v))})
			continue
		}
		d.recs, d.lines = append(d.recs, obj), append(d.lines, lineAt(start))
	}
}

// decodeArray reads one JSON array of objects.
func decodeArray(b []byte) decoded {
	var d decoded
	v, err := records.ParseJSON(b)
	if err != nil {
		line := 1
		var off int
		if _, scanErr := fmt.Sscanf(err.Error(), "offset %d:", &off); scanErr == nil && off <= len(b) {
			line += bytes.Count(b[:off], []byte{'\n'})
		}
		d.bad, d.fatal = []BadRecord{{Line: line, Reason: "not a valid JSON array: " + err.Error()}}, true
		return d
	}
	arr, ok := v.([]any)
	if !ok {
		d.bad, d.fatal = []BadRecord{{Line: 1, Reason: fmt.Sprintf("the object holds %s, want an array of objects", records.Kind(v))}}, true
		return d
	}
	for i, e := range arr {
		obj, ok := e.(map[string]any)
		if !ok {
			d.bad = append(d.bad, BadRecord{Line: 1, Reason: fmt.Sprintf("element %d is %s, want an object", i, records.Kind(e))})
			continue
		}
		d.recs, d.lines = append(d.recs, obj), append(d.lines, 1)
	}
	return d
}

// decodeCSV reads a header line and rows. A cell that is a JSON number
// or true/false becomes one (so columns get numeric types); an empty
// cell is null; anything else is text.
func decodeCSV(b []byte) decoded {
	var d decoded
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			d.bad, d.fatal = []BadRecord{{Line: 1, Reason: "unreadable CSV header: " + err.Error()}}, true
		}
		return d
	}
	header = append([]string(nil), header...)
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return d
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			d.bad = append(d.bad, BadRecord{Line: line, Reason: "bad CSV: " + err.Error()})
			continue
		}
		if len(row) != len(header) {
			d.bad = append(d.bad, BadRecord{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(row), len(header))})
			continue
		}
		obj := make(map[string]any, len(header))
		for i, h := range header {
			obj[h] = csvValue(row[i])
		}
		d.recs, d.lines = append(d.recs, obj), append(d.lines, line)
	}
}

func csvValue(s string) any {
	switch s {
	case "":
		return nil
	case "true", "false":
		return s == "true"
	}
	if c := s[0]; c == '-' || c >= '0' && c <= '9' {
		if v, n, err := records.ParseNext([]byte(s), 0); err == nil && n == len(s) {
			if num, ok := v.(json.Number); ok {
				return num
			}
		}
	}
	return s
}

package api

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/lakectl/lakectl/internal/redact"
)

// Raw zone: each response is one gzip member (RFC 1952 2.2), the body
// exactly as received, with the request's metadata (rawMeta as JSON) in
// the member's header, Extra field subfield "LK" (2.3.1.1). A run lands
// the members of one endpoint and window day in bundles,
//
//	raw/<source>/<endpoint>/dt=<window start day>/<run>_b<seq>.json.gz
//
// each a concatenation of members (a valid gzip file: zcat prints the
// bodies one after the other), stored with one Put: an object that exists
// is complete (Put is atomic). Members of one fetch (account x window x
// run) may sit in several bundles and in any order; readers group them by
// their metadata. Earlier versions stored one member per page at
//
//	raw/<source>/<endpoint>/dt=<window start day>/<window start>_<account>_<run>_p<page>.json.gz
//
// and, before that, a plain body plus a <same name>.meta.json sidecar;
// replay reads all three.
const (
	rawPrefix  = "raw/"
	bodySuffix = ".json.gz"
	metaSuffix = ".meta.json" // legacy sidecar, read only
	keyTime    = "20060102T1504Z"
)

// The gzip Extra subfield that carries a page's metadata.
const (
	metaSI1, metaSI2 = 'L', 'K'
	maxMetaBytes     = 0xffff - 4 // XLEN is 16 bits; the subfield header takes 4
)

// rawMeta is the metadata of one stored response. It never holds a
// credential: the URL is redacted and only selected headers are kept.
type rawMeta struct {
	Source      string            `json:"source"`
	Endpoint    string            `json:"endpoint"`
	Table       string            `json:"table"`
	Account     string            `json:"account"`
	WindowStart time.Time         `json:"window_start"`
	WindowEnd   time.Time         `json:"window_end"`
	Run         string            `json:"run"`
	Page        int               `json:"page"`
	Method      string            `json:"method"`
	URL         string            `json:"url"`
	Status      int               `json:"status"`
	Headers     map[string]string `json:"headers,omitempty"`
	RequestedAt time.Time         `json:"requested_at"`
	ReceivedAt  time.Time         `json:"received_at"`
	Attempt     int               `json:"attempt"`
	Bytes       int64             `json:"bytes"`
	Records     int               `json:"records"`
	Last        bool              `json:"last"`            // no page follows in this fetch
	Error       string            `json:"error,omitempty"` // why this page ended the fetch in failure
}

// rawDir is raw/<source>/<endpoint>/.
func rawDir(source, endpoint string) string {
	return rawPrefix + source + "/" + endpoint + "/"
}

// rawDay is the dt= folder day of a window.
func rawDay(start time.Time) string { return start.UTC().Format(time.DateOnly) }

// rawBase is the key of a page of the earlier layouts, without its suffix.
func rawBase(source, endpoint, account string, start time.Time, run string, page int) string {
	return fmt.Sprintf("%sdt=%s/%s_%s_%s_p%06d", rawDir(source, endpoint), start.UTC().Format(time.DateOnly),
		start.UTC().Format(keyTime), account, run, page)
}

// defaultRawHeaders are kept in metadata when the spec names none.
var defaultRawHeaders = []string{"Content-Type", "Date", "ETag", "Last-Modified", "Retry-After", "X-Request-Id",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Link"}

// authHeaders are never kept, whatever the spec names: they carry
// credentials or session state.
var authHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
	"Set-Cookie": true, "Set-Cookie2": true, "X-Api-Key": true, "Api-Key": true, "X-Auth-Token": true,
	"X-Amz-Security-Token": true, "X-Csrf-Token": true, "X-Xsrf-Token": true, "Www-Authenticate": true,
	"Proxy-Authenticate": true}

// selectHeaders keeps the named headers, never an authentication or
// secret-looking one, each value through safe (secret redaction: a Link
// header may echo ?api_key=...).
func selectHeaders(h http.Header, names []string, safe func(string) string) map[string]string {
	if len(names) == 0 {
		names = defaultRawHeaders
	}
	out := map[string]string{}
	for _, n := range names {
		cn := http.CanonicalHeaderKey(n)
		if v := h.Get(n); v != "" && !authHeaders[cn] && !redact.IsSecretName(n) {
			out[cn] = safe(v)
		}
	}
	return out
}

// encodeMember gzips a body, with m in the gzip header, as one gzip
// member of a raw object. zws reuses gzip writers, whose allocation costs
// more than small bodies.
func encodeMember(zws *sync.Pool, body []byte, m rawMeta) ([]byte, error) {
	extra, err := metaExtra(m)
	if err != nil {
		return nil, fmt.Errorf("encode raw metadata: %w", err)
	}
	buf := bytes.NewBuffer(make([]byte, 0, len(extra)+len(body)/2+256)) // JSON rarely compresses less at BestSpeed
	zw, ok := zws.Get().(*gzip.Writer)
	if !ok {
		zw, _ = gzip.NewWriterLevel(buf, gzip.BestSpeed)
	} else {
		zw.Reset(buf)
	}
	defer zws.Put(zw)
	zw.Header = gzip.Header{Extra: extra, OS: 255}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// metaExtra encodes m as the gzip Extra field. Metadata too large for
// the field (huge headers or error text) loses its headers first, then
// is cut, keeping it valid JSON.
func metaExtra(m rawMeta) ([]byte, error) {
	b, err := json.Marshal(m)
	if err == nil && len(b) > maxMetaBytes {
		m.Headers = nil
		for _, s := range []*string{&m.Error, &m.URL} {
			if len(*s) > 4096 {
				*s = (*s)[:4096] + "...(cut)"
			}
		}
		b, err = json.Marshal(m)
	}
	if err != nil {
		return nil, err
	}
	if len(b) > maxMetaBytes {
		return nil, fmt.Errorf("metadata is %d bytes, more than the gzip header holds", len(b))
	}
	out := make([]byte, 4, 4+len(b))
	out[0], out[1] = metaSI1, metaSI2
	binary.LittleEndian.PutUint16(out[2:], uint16(len(b)))
	return append(out, b...), nil
}

// metaOfExtra finds the metadata subfield in a gzip Extra field.
func metaOfExtra(extra []byte) (rawMeta, bool, error) {
	var m rawMeta
	for len(extra) >= 4 {
		n := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+n > len(extra) {
			return m, false, fmt.Errorf("gzip extra field is cut short")
		}
		if extra[0] == metaSI1 && extra[1] == metaSI2 {
			if err := json.Unmarshal(extra[4:4+n], &m); err != nil {
				return m, false, fmt.Errorf("metadata in the gzip header: %w", err)
			}
			return m, true, nil
		}
		extra = extra[4+n:]
	}
	return m, false, nil
}

package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
)

// Raw zone: each page is one object, the body exactly as received,
// gzipped, at
//
//	raw/<source>/<endpoint>/dt=<window start day>/<window start>_<account>_<run>_p<page>.json.gz
//
// with the request's metadata (rawMeta as JSON) in the gzip header's
// Extra field, subfield "LK" (RFC 1952 2.3.1.1): one Put per page, and an
// object that exists is complete (Put is atomic). gunzip/zcat ignore the
// field and print the body byte for byte. Pages of earlier versions were a
// body plus a <same name>.meta.json sidecar; replay still reads those.
// Names sort so that the pages of one fetch (account x window x run) are
// adjacent and in page order.
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

// rawBase is the key of a page without its suffix.
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

// putPage stores a body gzipped, with m in the gzip header, under
// base + bodySuffix, and returns the object's size. zws reuses gzip
// writers, whose allocation costs more than small bodies.
func putPage(ctx context.Context, store lake.Store, zws *sync.Pool, base string, body []byte, m rawMeta) (int64, error) {
	extra, err := metaExtra(m)
	if err != nil {
		return 0, fmt.Errorf("encode raw metadata of %s: %w", base+bodySuffix, err)
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
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	n := int64(buf.Len())
	if _, err := store.Put(ctx, base+bodySuffix, buf, n, lake.PutOptions{}); err != nil {
		return 0, fmt.Errorf("store raw response %s: %w", base+bodySuffix, err)
	}
	return n, nil
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

// readPage reads a stored page back, gunzipped, with the metadata of its
// gzip header (ok false for a legacy body, whose metadata is a sidecar).
func readPage(ctx context.Context, store lake.Store, base string) (body []byte, m rawMeta, ok bool, err error) {
	key := base + bodySuffix
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, m, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, m, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	if m, ok, err = metaOfExtra(zr.Extra); err != nil {
		return nil, m, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	body, err = io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
	if err != nil {
		return nil, m, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	return body, m, ok, nil
}

// readPageMeta reads only the gzip header of a stored page.
func readPageMeta(ctx context.Context, store lake.Store, key string) (rawMeta, bool, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return rawMeta{}, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(bufio.NewReaderSize(rc, 4096))
	if err != nil {
		return rawMeta{}, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	m, ok, err := metaOfExtra(zr.Extra)
	if err != nil {
		return m, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	return m, ok, nil
}

// readMeta reads a legacy .meta.json sidecar.
func readMeta(ctx context.Context, store lake.Store, key string) (rawMeta, error) {
	var m rawMeta
	if err := lake.GetJSON(ctx, store, key, &m); err != nil {
		return m, fmt.Errorf("read raw metadata %s: %w", key, err)
	}
	return m, nil
}

// rawFetch is one complete fetch found in raw/: the pages of one
// (account, window, run), in page order, all successful, the last one
// marked last.
type rawFetch struct {
	bases []string
	metas []rawMeta
}

// listFetches streams the complete fetches of an endpoint whose window
// starts in [from, to) (zero times: unbounded), in key order, calling fn
// for each. Incomplete or failed fetches are skipped (and counted).
func listFetches(ctx context.Context, store lake.Store, source, endpoint string, from, to time.Time, fn func(rawFetch) error) (skipped int, err error) {
	var cur rawFetch
	curID := ""
	ok := true
	flush := func() error {
		defer func() { cur, curID, ok = rawFetch{}, "", true }()
		if curID == "" {
			return nil
		}
		if !ok || len(cur.metas) == 0 || !cur.metas[len(cur.metas)-1].Last {
			skipped++
			return nil
		}
		return fn(cur)
	}
	err = store.List(ctx, rawDir(source, endpoint), func(o lake.ObjectInfo) error {
		var base string
		switch {
		case strings.HasSuffix(o.Key, bodySuffix):
			base = strings.TrimSuffix(o.Key, bodySuffix)
		case strings.HasSuffix(o.Key, metaSuffix): // legacy sidecar
			base = strings.TrimSuffix(o.Key, metaSuffix)
		default:
			return nil
		}
		id := base[:strings.LastIndex(base, "_p")]
		ws := windowOfKey(base)
		if (!from.IsZero() && ws.Before(from)) || (!to.IsZero() && !ws.Before(to)) {
			return nil
		}
		if id != curID {
			if err := flush(); err != nil {
				return err
			}
			curID = id
		}
		var (
			m    rawMeta
			has  = true
			rerr error
		)
		if strings.HasSuffix(o.Key, metaSuffix) {
			m, rerr = readMeta(ctx, store, o.Key)
		} else {
			m, has, rerr = readPageMeta(ctx, store, o.Key)
		}
		if rerr != nil {
			return rerr
		}
		if !has {
			return nil // a legacy body: its sidecar follows it in key order
		}
		if m.Error != "" || m.Page != len(cur.metas)+1 {
			ok = false
		}
		cur.bases = append(cur.bases, base)
		cur.metas = append(cur.metas, m)
		return nil
	})
	if err != nil {
		return skipped, err
	}
	return skipped, flush()
}

// windowOfKey reads the window start from a raw key's file name.
func windowOfKey(key string) time.Time {
	name := key[strings.LastIndexByte(key, '/')+1:]
	if len(name) < len(keyTime) {
		return time.Time{}
	}
	t, _ := time.Parse(keyTime, name[:len(keyTime)])
	return t
}

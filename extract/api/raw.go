package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// Raw zone: each page's body exactly as received, gzipped, at
//
//	raw/<source>/<endpoint>/dt=<window start day>/<window start>_<account>_<run>_p<page>.json.gz
//
// and next to it <same name>.meta.json with the request's metadata. The
// body is written first and the metadata second, so a page whose metadata
// exists is complete; a body without metadata (a run killed between the
// two) is ignored by replay. Names sort so that the pages of one fetch
// (account x window x run) are adjacent and in page order.
const (
	rawPrefix  = "raw/"
	bodySuffix = ".json.gz"
	metaSuffix = ".meta.json"
	keyTime    = "20060102T1504Z"
)

// rawMeta is the sidecar of one stored response. It never holds a
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

// selectHeaders keeps the named headers, never a secret-looking one.
func selectHeaders(h http.Header, names []string, isSecret func(string) bool) map[string]string {
	if len(names) == 0 {
		names = defaultRawHeaders
	}
	out := map[string]string{}
	for _, n := range names {
		if v := h.Get(n); v != "" && !isSecret(n) {
			out[http.CanonicalHeaderKey(n)] = v
		}
	}
	return out
}

// putBody stores a body gzipped under base + bodySuffix.
// zws reuses gzip writers, whose allocation costs more than small bodies.
func putBody(ctx context.Context, store lake.Store, zws *sync.Pool, base string, body []byte) (int64, error) {
	var buf bytes.Buffer
	zw, ok := zws.Get().(*gzip.Writer)
	if !ok {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	} else {
		zw.Reset(&buf)
	}
	defer zws.Put(zw)
	if _, err := zw.Write(body); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	n := int64(buf.Len())
	if _, err := store.Put(ctx, base+bodySuffix, &buf, n, lake.PutOptions{}); err != nil {
		return 0, fmt.Errorf("store raw response %s: %w", base+bodySuffix, err)
	}
	return n, nil
}

func putMeta(ctx context.Context, store lake.Store, base string, m rawMeta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if _, err := store.Put(ctx, base+metaSuffix, bytes.NewReader(b), int64(len(b)), lake.PutOptions{}); err != nil {
		return fmt.Errorf("store raw metadata %s: %w", base+metaSuffix, err)
	}
	return nil
}

// readBody reads a stored body back, gunzipped.
func readBody(ctx context.Context, store lake.Store, base string) ([]byte, error) {
	rc, err := store.Get(ctx, base+bodySuffix)
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", base+bodySuffix, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", base+bodySuffix, err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", base+bodySuffix, err)
	}
	return b, nil
}

func readMeta(ctx context.Context, store lake.Store, key string) (rawMeta, error) {
	var m rawMeta
	rc, err := store.Get(ctx, key)
	if err != nil {
		return m, fmt.Errorf("read raw metadata %s: %w", key, err)
	}
	defer rc.Close()
	if err := json.NewDecoder(rc).Decode(&m); err != nil {
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
		if !strings.HasSuffix(o.Key, metaSuffix) {
			return nil
		}
		base := strings.TrimSuffix(o.Key, metaSuffix)
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
		m, err := readMeta(ctx, store, o.Key)
		if err != nil {
			return err
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

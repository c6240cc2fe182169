package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// partner is a real HTTP server that paginates in every style the spec
// supports, checks a bearer token, and can throttle, fail or stall.
type partner struct {
	srv      *httptest.Server
	token    string
	perHour  int // records per account per hour of window
	pageSize int
	requests atomic.Int64
	// fail answers the n-th request (1-based), the try-th for its URL,
	// with this status (0: no fault; -1: a truncated body).
	fail  func(n int64, try int) int
	tries map[string]int
	// delay is added to every answer.
	delay time.Duration
	// limit, when set, makes the server count requests per window of time
	// and record a violation when more than burst+rate*t arrive in any t.
	mu       sync.Mutex
	arrivals []time.Time
	// rendered holds bodies of the "none" style rendered before the run
	// (by path?query), so that a benchmark does not charge the partner's
	// JSON encoding to lakectl's CPU; read-only while serving.
	rendered map[string][]byte
	hits     atomic.Int64 // answers served from rendered
}

// prerender renders the "none" answers of an account's hourly windows
// [from, from+n h) ahead of the run.
func (p *partner) prerender(acct string, from time.Time, n int) {
	p.rendered = map[string][]byte{}
	for i := range n {
		s := from.Add(time.Duration(i) * time.Hour)
		e := s.Add(time.Hour)
		q := url.Values{"start": {s.Format(time.RFC3339)}, "end": {e.Format(time.RFC3339)}}
		var buf bytes.Buffer
		json.NewEncoder(&buf).Encode(map[string]any{"data": p.records(acct, s, e)})
		p.rendered["/acct/"+acct+"/none?"+q.Encode()] = buf.Bytes()
	}
}

func newPartner(t *testing.T, token string) *partner {
	p := &partner{token: token, perHour: 25, pageSize: 10}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

type rec struct {
	ID        string  `json:"id"`
	Amount    any     `json:"amount"`
	Status    string  `json:"status"`
	UpdatedAt string  `json:"updated_at"`
	Meta      any     `json:"meta,omitempty"`
	Ignored   *string `json:"ignored"`
}

// records are the partner's data for an account and window, in order:
// perHour per hour, amounts integral on the first page and decimal after.
func (p *partner) records(acct string, start, end time.Time) []rec {
	var out []rec
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		for i := 0; i < p.perHour; i++ {
			var amount any = json.Number(strconv.Itoa(i))
			if i >= 10 {
				amount = json.Number(fmt.Sprintf("%d.25", i))
			}
			out = append(out, rec{
				ID: fmt.Sprintf("%s-%s-%02d", acct, h.Format("2006010215"), i), Amount: amount,
				Status: "pending", UpdatedAt: h.Add(time.Duration(i) * time.Minute).Format(time.RFC3339),
				Meta: map[string]any{"i": i},
			})
		}
	}
	return out
}

func (p *partner) serve(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1)
	p.mu.Lock()
	p.arrivals = append(p.arrivals, time.Now())
	if p.tries == nil {
		p.tries = map[string]int{}
	}
	p.tries[r.URL.String()]++
	try := p.tries[r.URL.String()]
	p.mu.Unlock()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	if p.fail != nil {
		if code := p.fail(n, try); code != 0 {
			if code == http.StatusTooManyRequests {
				w.Header().Set("Retry-After", "0")
			}
			if code == -1 { // truncated body: promise more than is sent
				w.Header().Set("Content-Length", "1000")
				w.Write([]byte(`{"data":[{"id":`))
				return
			}
			w.WriteHeader(code)
			return
		}
	}
	if r.Header.Get("Authorization") != "Bearer "+p.token && r.URL.Query().Get("api_key") != p.token {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if b, ok := p.rendered[r.URL.Path+"?"+r.URL.RawQuery]; ok {
		p.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/") // acct/<id>/<style>
	if len(parts) != 3 || parts[0] != "acct" {
		http.NotFound(w, r)
		return
	}
	acct, style := parts[1], parts[2]
	q := r.URL.Query()
	start, err1 := time.Parse(time.RFC3339, q.Get("start"))
	end, err2 := time.Parse(time.RFC3339, q.Get("end"))
	if err1 != nil || err2 != nil {
		http.Error(w, "bad window", http.StatusBadRequest)
		return
	}
	all := p.records(acct, start, end)
	size := p.pageSize
	atoi := func(k string, def int) int {
		if v, err := strconv.Atoi(q.Get(k)); err == nil {
			return v
		}
		return def
	}
	slice := func(off int) []rec {
		if off >= len(all) {
			return []rec{}
		}
		return all[off:min(off+size, len(all))]
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	switch style {
	case "none":
		enc.Encode(map[string]any{"data": all})
	case "page":
		page := atoi("page", 1)
		enc.Encode(map[string]any{"data": slice((page - 1) * size), "pages": (len(all) + size - 1) / size})
	case "offset":
		enc.Encode(map[string]any{"data": slice(atoi("offset", 0)), "total": len(all)})
	case "cursor":
		off := atoi("cursor", 0)
		next := ""
		if off+size < len(all) {
			next = strconv.Itoa(off + size)
		}
		enc.Encode(map[string]any{"data": slice(off), "next_cursor": next})
	case "next":
		off := atoi("off", 0)
		body := map[string]any{"data": slice(off)}
		if off+size < len(all) {
			u := *r.URL
			qq := u.Query()
			qq.Set("off", strconv.Itoa(off+size))
			qq.Del("api_key")
			u.RawQuery = qq.Encode()
			body["links"] = map[string]any{"next": u.String()}
		}
		enc.Encode(body)
	case "link":
		off := atoi("off", 0)
		if off+size < len(all) {
			u := *r.URL
			qq := u.Query()
			qq.Set("off", strconv.Itoa(off+size))
			u.RawQuery = qq.Encode()
			w.Header().Set("Link", fmt.Sprintf(`<%s>; rel="next", <%s>; rel="first"`, p.srv.URL+u.String(), p.srv.URL+r.URL.Path))
		}
		enc.Encode(all[min(off, len(all)):min(off+size, len(all))])
	case "loop": // a cursor that never changes: must still terminate
		enc.Encode(map[string]any{"data": slice(0), "next_cursor": "same"})
	case "garbage":
		w.Write([]byte("<html>maintenance</html>"))
	default:
		http.NotFound(w, r)
	}
}

// maxInWindow is the most arrivals inside any interval of length d.
func (p *partner) maxInWindow(d time.Duration) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	best := 0
	j := 0
	for i := range p.arrivals {
		for p.arrivals[i].Sub(p.arrivals[j]) >= d {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// specFor writes a spec for one pagination style and returns its path.
func specFor(t *testing.T, p *partner, name, style string, extra map[string]any) string {
	t.Helper()
	pag := map[string]any{
		"none":    map[string]any{"type": "none"},
		"page":    map[string]any{"type": "page", "page_param": "page", "stop": "total", "total_path": "pages"},
		"offset":  map[string]any{"type": "offset", "size": p.pageSize, "stop": "total", "total_path": "total"},
		"cursor":  map[string]any{"type": "cursor", "cursor_path": "next_cursor", "cursor_param": "cursor"},
		"next":    map[string]any{"type": "next_url", "next_url_path": "links.next"},
		"link":    map[string]any{"type": "link_header"},
		"loop":    map[string]any{"type": "cursor", "cursor_path": "/next_cursor", "cursor_param": "cursor"},
		"garbage": map[string]any{"type": "none"},
	}[style]
	recordsPath := "/data"
	if style == "link" {
		recordsPath = ""
	}
	ep := map[string]any{
		"name":         "tx",
		"path":         "/acct/{{.Account.ID}}/" + style,
		"query":        map[string]string{"start": "{{.Start}}", "end": "{{.End}}"},
		"window":       map[string]any{"granularity": "hour", "max_span": "2h", "start": "2026-01-01T00:00:00Z", "lookback": "2h"},
		"pagination":   pag,
		"records_path": recordsPath,
		"key":          []string{"id"},
		"cursor":       "updated_at",
	}
	spec := map[string]any{
		"name":      name,
		"base_url":  p.srv.URL,
		"auth":      map[string]any{"type": "bearer", "token_env": "TEST_TOKEN_{{.Account.ID}}"},
		"accounts":  []map[string]any{{"id": "a1"}, {"id": "a2"}},
		"retry":     map[string]any{"attempts": 4, "backoff_base": "5ms", "backoff_max": "50ms"},
		"timeout":   "2s",
		"endpoints": []any{ep},
	}
	for k, v := range extra {
		if strings.HasPrefix(k, "endpoint.") {
			ep[strings.TrimPrefix(k, "endpoint.")] = v
		} else {
			spec[k] = v
		}
	}
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

package testenv

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
)

// S3Log records the requests sent through a proxy in front of the test S3
// server, one line each ("PUT key?uploads"), so that a test can show which
// requests a run made when their count is not the expected one.
type S3Log struct {
	Endpoint string // the proxy's URL: give it to the store as its endpoint

	mu    sync.Mutex
	lines []string
}

// LogS3 starts a logging proxy to env's server for the rest of the test.
func LogS3(t testing.TB, env S3Env) *S3Log {
	t.Helper()
	target, err := url.Parse(env.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	l := &S3Log{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.add(r)
		proxy.ServeHTTP(w, r) // Host stays the proxy's: it is what the client signed
	}))
	t.Cleanup(srv.Close)
	l.Endpoint = srv.URL
	return l
}

func (l *S3Log) add(r *http.Request) {
	op := r.Method
	if r.Method == http.MethodPut && r.Header.Get("X-Amz-Copy-Source") != "" {
		op = "COPY"
	}
	line := op + " " + r.URL.Path
	if q := queryNames(r.URL.Query()); q != "" {
		line += "?" + q
	}
	if r.Header.Get("If-None-Match") != "" {
		line += " (if-none-match)"
	}
	if r.Header.Get("If-Match") != "" {
		line += " (if-match)"
	}
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
}

// queryNames keeps the query's parameter names (uploads, partNumber,
// list-type, prefix=...), dropping values that change between runs.
func queryNames(q url.Values) string {
	var out []string
	for k, v := range q {
		switch k {
		case "prefix", "start-after":
			out = append(out, k+"="+strings.Join(v, ","))
		case "uploadId", "x-id", "continuation-token":
		default:
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "&")
}

// Lines returns the requests so far, in the order they arrived.
func (l *S3Log) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

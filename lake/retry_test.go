package lake_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// fault decides, for the n-th request (from 1), whether to answer it with
// an error status and S3 error code instead of passing it to MinIO.
type fault func(r *http.Request, n int) (status int, code string)

// faultyS3 is a real HTTP server in front of MinIO that injects faults.
type faultyS3 struct {
	env      testenv.S3Env
	srv      *httptest.Server
	requests atomic.Int32
}

func newFaultyS3(t *testing.T, f fault) *faultyS3 {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	target, err := url.Parse(env.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	fs := &faultyS3{env: env}
	fs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(fs.requests.Add(1))
		if status, code := f(r, n); status != 0 {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(status)
			if r.Method != http.MethodHead {
				fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message><RequestId>1</RequestId></Error>`, code)
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(fs.srv.Close)
	return fs
}

func (fs *faultyS3) open(t *testing.T, attempts int) lake.Store {
	t.Helper()
	s, err := lake.Open(context.Background(), fs.env.URL("lake"), lake.Options{S3Endpoint: fs.srv.URL, S3PathStyle: true, MaxAttempts: attempts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestS3RetriesTransientErrorsThenSucceeds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		code   string
	}{
		{"throttled with SlowDown", 503, "SlowDown"},
		{"too many requests", 429, "TooManyRequests"},
		{"internal error", 500, "InternalError"},
		{"conditional write conflict", 409, "ConditionalRequestConflict"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			failing := true
			fs := newFaultyS3(t, func(r *http.Request, n int) (int, string) {
				if failing && n <= 2 {
					return tc.status, tc.code
				}
				return 0, ""
			})
			s := fs.open(t, 4)
			ctx := context.Background()
			if _, err := s.Put(ctx, "k", strings.NewReader("payload"), 7, lake.PutOptions{IfNoneMatch: true}); err != nil {
				t.Fatalf("put through two %d answers: %v", tc.status, err)
			}
			if got := fs.requests.Load(); got != 3 {
				t.Errorf("put took %d requests, want 3 (two failures, one success)", got)
			}
			failing = false
			if got := string(readAll(t, s, "k")); got != "payload" {
				t.Fatalf("get = %q", got)
			}
		})
	}
}

func TestS3DoesNotRetryPermanentErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		code    string
		op      func(s lake.Store) error
		is      error
		mention string
	}{
		{"missing object", 404, "NoSuchKey", func(s lake.Store) error { _, err := s.Stat(context.Background(), "k"); return err }, lake.ErrNotExist, ""},
		{"missing object on get", 404, "NoSuchKey", func(s lake.Store) error { _, err := s.Get(context.Background(), "k"); return err }, lake.ErrNotExist, ""},
		{"precondition failed", 412, "PreconditionFailed", func(s lake.Store) error {
			_, err := s.Put(context.Background(), "k", strings.NewReader("x"), 1, lake.PutOptions{IfNoneMatch: true})
			return err
		}, lake.ErrPrecondition, ""},
		{"access denied", 403, "AccessDenied", func(s lake.Store) error {
			_, err := s.Put(context.Background(), "k", strings.NewReader("x"), 1, lake.PutOptions{})
			return err
		}, nil, "access denied"},
		{"missing bucket", 404, "NoSuchBucket", func(s lake.Store) error {
			return s.List(context.Background(), "", func(lake.ObjectInfo) error { return nil })
		}, nil, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFaultyS3(t, func(*http.Request, int) (int, string) { return tc.status, tc.code })
			err := tc.op(fs.open(t, 4))
			if err == nil {
				t.Fatal("succeeded against a server that only fails")
			}
			if got := fs.requests.Load(); got != 1 {
				t.Errorf("%d requests, want 1: a %d is permanent", got, tc.status)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v does not wrap %v", err, tc.is)
			}
			msg := err.Error()
			t.Logf("error: %s", msg)
			if !strings.Contains(msg, tc.mention) || strings.Contains(msg, fs.env.SecretKey+"x") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line mentioning %q", msg, tc.mention)
			}
			if tc.mention != "" && !strings.Contains(msg, fs.env.Bucket) {
				t.Errorf("error %q does not name the bucket %s", msg, fs.env.Bucket)
			}
		})
	}
}

func TestS3GivesUpAfterMaxAttempts(t *testing.T) {
	fs := newFaultyS3(t, func(*http.Request, int) (int, string) { return 503, "SlowDown" })
	_, err := fs.open(t, 3).Stat(context.Background(), "k")
	if err == nil || errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("stat against a throttling server: %v", err)
	}
	t.Logf("error: %s", err)
	if got := fs.requests.Load(); got != 3 {
		t.Fatalf("%d requests, want MaxAttempts=3 (the SDK and the wrapper must not multiply)", got)
	}
}

func TestS3ResumesABodyThatBreaksMidStream(t *testing.T) {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	data := make([]byte, 3<<20)
	_, _ = rand.Read(data)
	target, _ := url.Parse(env.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var gets, cut atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Query().Has("list-type") {
			proxy.ServeHTTP(w, r)
			return
		}
		if gets.Add(1) > 1 {
			proxy.ServeHTTP(w, r)
			return
		}
		// Promise the whole object, send a third, and drop the connection.
		cut.Add(1)
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(data)-1, len(data)))
		w.Header().Set("ETag", `"x"`)
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write(data[:1<<20])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer srv.Close()
	s, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: srv.URL, PartSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), "obj", bytes.NewReader(data), int64(len(data)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, s, "obj")
	if cut.Load() != 1 || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes (equal: %v) after %d cut bodies; want all %d bytes after one cut", len(got), bytes.Equal(got, data), cut.Load(), len(data))
	}
	if gets.Load() != 2 {
		t.Fatalf("%d GETs, want 2 (the cut one, then a resume)", gets.Load())
	}
}

func TestS3UnreachableEndpointIsOneClearLine(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "verysecretvalue")
	t.Setenv("AWS_REGION", "us-east-1")
	s, err := lake.Open(context.Background(), "s3://some-bucket/lake", lake.Options{S3Endpoint: "http://127.0.0.1:1", MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Stat(context.Background(), "k")
	if err == nil {
		t.Fatal("stat against a closed port succeeded")
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	for _, want := range []string{"cannot reach", "some-bucket", "127.0.0.1:1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "verysecretvalue") || strings.Contains(msg, "\n") {
		t.Errorf("error %q leaks the secret or spans lines", msg)
	}
	if !errors.Is(err, lake.ErrUnreachable) {
		t.Errorf("error %q is not lake.ErrUnreachable", msg)
	}
}

func TestRetryableClassifiesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"truncated body", fmt.Errorf("get k: %w", io.ErrUnexpectedEOF), true},
		{"cancelled", fmt.Errorf("get k: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"not exist", fmt.Errorf("stat k: %w", lake.ErrNotExist), false},
		{"precondition", fmt.Errorf("put k: %w", lake.ErrPrecondition), false},
		{"plain error", errors.New("invalid object key"), false},
	} {
		if got := lake.Retryable(tc.err); got != tc.want {
			t.Errorf("Retryable(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func readAll(t *testing.T, s lake.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

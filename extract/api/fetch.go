package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
)

// maxBodyBytes bounds one response body held in memory.
const maxBodyBytes = 256 << 20

// response is the final attempt of one page request.
type response struct {
	status      int
	header      http.Header
	body        []byte
	attempt     int
	requestedAt time.Time
	receivedAt  time.Time
	err         error // transport or HTTP error that ended the retries; nil on 2xx
}

// httpStatusError is a non-2xx answer after the retries.
type httpStatusError struct {
	status int
	url    string
}

func (e *httpStatusError) Error() string {
	switch e.status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("GET %s: HTTP %d: authentication failed; check the account's credential variables", e.url, e.status)
	case http.StatusTooManyRequests:
		return fmt.Sprintf("GET %s: HTTP 429 after every retry: the partner throttles us; lower rate_limit.requests_per_second", e.url)
	}
	return fmt.Sprintf("GET %s: HTTP %d", e.url, e.status)
}

// counters are a source's statistics, updated concurrently: requests and
// what they received, and what commits wrote (rows, files, Parquet bytes).
type counters struct {
	requests, retries, records, bytes atomic.Int64
	rows, files, written              atomic.Int64
}

// fetch sends one page request with the source's rate limit, timeout and
// retry policy. It returns the final attempt (with a body whenever one was
// received, so a failed page still lands in raw/) and an error when it did
// not end in a 2xx with a complete body.
func (r *runner) fetch(ctx context.Context, ep *Endpoint, u unit, target *url.URL, ps pageState) response {
	var safeURL string // redacted on first need: a page that succeeds at once never needs it here
	safe := func() string {
		if safeURL == "" {
			safeURL = u.cred.safeURL(ctx, target)
		}
		return safeURL
	}
	var last response
	for attempt := 1; ; attempt++ {
		if err := r.limiter.wait(ctx); err != nil {
			last.err = err
			return last
		}
		r.stats.requests.Add(1)
		res := r.try(ctx, ep, u, target, ps)
		res.attempt = attempt
		last = res
		retry := false
		switch {
		case res.err != nil:
			retry = retryableError(ctx, res.err)
			last.err = &redactedError{msg: fmt.Sprintf("GET %s: %s", safe(), redact.String(ctx, res.err.Error())), cause: typedCause(res.err)}
		case res.status < 200 || res.status > 299:
			retry = retryableStatus(res.status)
			last.err = &httpStatusError{status: res.status, url: safe()}
		default:
			return last
		}
		if !retry || attempt >= r.retry.attempts || ctx.Err() != nil {
			if ctx.Err() != nil {
				last.err = ctx.Err()
			}
			return last
		}
		wait := r.retry.backoff(attempt, parseRetryAfter(res.header.Get("Retry-After"), time.Now()))
		r.stats.retries.Add(1)
		r.log.Warn("retrying request", "endpoint", ep.Name, "account", u.account.ID,
			"url", safe(), "attempt", attempt, "error", last.err.Error(), "wait", wait.String())
		if err := sleep(ctx, wait); err != nil {
			last.err = err
			return last
		}
	}
}

// try is one attempt under the per-request timeout.
func (r *runner) try(ctx context.Context, ep *Endpoint, u unit, target *url.URL, ps pageState) response {
	res := response{requestedAt: time.Now().UTC()}
	req, err := r.newRequest(ep, u, target, ps)
	if err != nil {
		res.err = err
		return res
	}
	actx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	resp, err := r.client.Do(req.WithContext(actx))
	if err != nil {
		res.err = unwrapURLError(err)
		return res
	}
	defer resp.Body.Close()
	res.status, res.header = resp.StatusCode, resp.Header
	res.body, err = readAll(resp.Body, resp.ContentLength, r.bodyHint.Load())
	r.bodyHint.Store(int64(len(res.body)))
	res.receivedAt = time.Now().UTC()
	if err != nil {
		res.err = fmt.Errorf("read body (%d bytes received): %w", len(res.body), unwrapURLError(err))
		return res
	}
	if len(res.body) > maxBodyBytes {
		res.body = res.body[:maxBodyBytes]
		res.err = fmt.Errorf("body larger than %d bytes", maxBodyBytes)
	}
	return res
}

// unwrapURLError drops *url.Error's copy of the URL, which may carry a
// query credential; the caller names the redacted URL itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// maxHintBytes bounds what readAll reserves on a hint alone.
const maxHintBytes = 8 << 20

// readAll reads a body of at most maxBodyBytes+1 bytes, sized up front
// when the length is announced, else from hint (the size of the last
// body: a partner's pages are alike; io.ReadAll grows and copies from 512).
func readAll(r io.Reader, n, hint int64) ([]byte, error) {
	announced := n >= 0 && n <= maxBodyBytes
	if !announced {
		n = min(max(hint+hint/8, 512), maxHintBytes)
	}
	b := make([]byte, 0, n+1) // +1: see EOF without growing
	for {
		m, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) { // longer than announced (let the transport report it) or hinted
			rest, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1-int64(len(b))))
			return append(b, rest...), err
		}
	}
}

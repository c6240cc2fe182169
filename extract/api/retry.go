package api

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryPolicy is a source's resolved retry settings.
type retryPolicy struct {
	attempts int
	base     time.Duration
	max      time.Duration
}

func newRetryPolicy(r *Retry) retryPolicy {
	p := retryPolicy{attempts: defaultAttempts, base: defaultBackoffBase, max: defaultBackoffMax}
	if r != nil {
		if r.Attempts > 0 {
			p.attempts = r.Attempts
		}
		if r.BackoffBase > 0 {
			p.base = r.BackoffBase.D()
		}
		if r.BackoffMax > 0 {
			p.max = r.BackoffMax.D()
		}
	}
	if p.max < p.base {
		p.max = p.base
	}
	return p
}

// backoff is the wait before retry n (1-based): exponential with jitter
// in [d/2, d], or the server's Retry-After when it sent one (capped at max).
func (p retryPolicy) backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.max)
	}
	d := p.base << min(n-1, 30)
	if d <= 0 || d > p.max {
		d = p.max
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(half)+1))
}

// retryableStatus: throttling, request timeout and server errors.
func retryableStatus(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500
}

// retryableError: timeouts, resets, refused connections and bodies cut
// short; never the caller's own cancellation.
func retryableError(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "server closed idle connection") || strings.Contains(s, "EOF")
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

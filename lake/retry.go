package lake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/lakectl/lakectl/internal/netx"
)

// Two retry layers, one classifier (Retryable):
//
//   - Request level, inside the SDK (newSDKRetryer): every S3 request —
//     a PutObject, one part of a multipart upload, one ranged GET, one
//     listing page — is retried on its own. The SDK rewinds request bodies,
//     so no retry here ever needs to re-read the caller's stream.
//   - Operation level (WithRetry): what the SDK cannot see. A response body
//     that breaks mid-stream is resumed at the offset reached; a listing
//     that fails after some pages restarts after the last key delivered;
//     a Put is retried only when its reader is an io.Seeker. An error that
//     the SDK already retried to exhaustion (retry.MaxAttemptsError) is not
//     retried again, so attempts do not multiply.

// RetryOptions configure WithRetry.
type RetryOptions struct {
	MaxAttempts int           // attempts per operation (default 5)
	BaseDelay   time.Duration // first backoff cap (default 100ms); doubles per attempt
	MaxDelay    time.Duration // backoff cap (default 5s)
	Logger      *slog.Logger  // each retry is logged at warn (nil: discarded)
}

func (o RetryOptions) withDefaults() RetryOptions {
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = 100 * time.Millisecond
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Retryable reports whether err is transient: throttling (SlowDown, 429,
// 503), other 5xx, a 409 conflict of concurrent conditional writes,
// connection resets, timeouts and truncated bodies. Never: missing objects,
// failed preconditions, other 4xx, cancellation, and errors the SDK already
// retried until it gave up.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrNotExist) || errors.Is(err, ErrPrecondition) {
		return false
	}
	var maxed *retry.MaxAttemptsError
	var perm *permanentError
	if errors.As(err, &maxed) || errors.As(err, &perm) {
		return false
	}
	if _, ok := netx.AsTimeout(err); ok {
		// The operator's bound on a silent endpoint: retrying would
		// multiply it.
		return false
	}
	switch apiCode(err) {
	case "SlowDown", "Throttling", "ThrottlingException", "RequestThrottled", "TooManyRequestsException",
		"RequestLimitExceeded", "ServiceUnavailable", "InternalError", "RequestTimeout", "RequestTimeTooSkewed",
		"ConditionalRequestConflict", "OperationAborted":
		return true
	}
	if st := httpStatus(err); st != 0 {
		return st == 429 || st == 408 || st == 409 || st >= 500
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNABORTED) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "use of closed network connection") || strings.Contains(msg, "http2: server sent GOAWAY")
}

// newSDKRetryer is the SDK's standard retryer (exponential backoff, full
// jitter, no client-side retry quota) deciding with Retryable plus the
// SDK's own checks, logging each retry.
func newSDKRetryer(opts Options) aws.Retryer {
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = opts.MaxAttempts
		o.MaxBackoff = 5 * time.Second
		o.Backoff = fullJitter{base: 100 * time.Millisecond, max: 5 * time.Second}
		o.RateLimiter = ratelimit.None
		o.Retryables = append([]retry.IsErrorRetryable{retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if _, ok := netx.AsTimeout(err); ok {
				return aws.FalseTernary
			}
			return aws.UnknownTernary
		})}, o.Retryables...)
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if Retryable(err) {
				return aws.TrueTernary
			}
			return aws.UnknownTernary
		}))
	})
	return loggingRetryer{RetryerV2: std, log: opts.Logger}
}

type loggingRetryer struct {
	aws.RetryerV2
	log *slog.Logger
}

func (r loggingRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	if derr == nil {
		logRetry(r.log, "s3 request", attempt, d, err)
	}
	return d, derr
}

// WithRetry wraps s so that transient failures (see Retryable) are retried
// with exponential backoff and full jitter, at most MaxAttempts times per
// operation.
func WithRetry(s Store, opts RetryOptions) Store {
	return &retryStore{s: s, o: opts.withDefaults()}
}

type retryStore struct {
	s Store
	o RetryOptions
}

// do runs fn until it succeeds, fails permanently, or attempts run out;
// op and key name it in the log (joined only when a retry is logged).
func (r *retryStore) do(ctx context.Context, op, key string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt >= r.o.MaxAttempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		d := r.backoff(attempt)
		logRetry(r.o.Logger, op+" "+key, attempt, d, err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retry interrupted: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

func (r *retryStore) backoff(attempt int) time.Duration {
	return fullJitter{base: r.o.BaseDelay, max: r.o.MaxDelay}.delay(attempt)
}

// fullJitter is exponential backoff with full jitter: a delay uniform in
// [0, min(max, base*2^(attempt-1))].
type fullJitter struct{ base, max time.Duration }

func (f fullJitter) delay(attempt int) time.Duration {
	ceil := f.base << min(max(attempt-1, 0), 20)
	if ceil > f.max || ceil <= 0 {
		ceil = f.max
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

// BackoffDelay implements the SDK's retry.BackoffDelayer.
func (f fullJitter) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	return f.delay(attempt), nil
}

func (r *retryStore) Put(ctx context.Context, key string, body io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	seeker, ok := body.(io.Seeker)
	if !ok {
		return r.s.Put(ctx, key, body, size, opts) // cannot re-read: the SDK retries each request
	}
	start, err := seeker.Seek(0, io.SeekCurrent)
	if err != nil {
		return r.s.Put(ctx, key, body, size, opts)
	}
	var info ObjectInfo
	first := true
	err = r.do(ctx, "put", key, func() error {
		if !first {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return fmt.Errorf("put %s: rewind body: %w", key, err)
			}
		}
		first = false
		var err error
		info, err = r.s.Put(ctx, key, body, size, opts)
		return err
	})
	return info, err
}

func (r *retryStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return r.GetRange(ctx, key, 0, -1)
}

func (r *retryStore) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	var rc io.ReadCloser
	err := r.do(ctx, "get", key, func() error {
		var err error
		rc, err = r.s.GetRange(ctx, key, offset, length)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &resumingReader{ctx: ctx, r: r, key: key, rc: rc, off: offset, left: length}, nil
}

// resumingReader re-opens the range at the offset reached when the body
// breaks with a transient error. Lake objects are written once under a
// new name, so the resumed bytes are the same object's.
type resumingReader struct {
	ctx      context.Context
	r        *retryStore
	key      string
	rc       io.ReadCloser
	off      int64 // next byte to read
	left     int64 // bytes left, or -1: to the end
	failures int
}

func (z *resumingReader) Read(p []byte) (int, error) {
	for {
		n, err := z.rc.Read(p)
		z.off += int64(n)
		if z.left >= 0 {
			z.left -= int64(n)
		}
		if err == nil || err == io.EOF || !Retryable(err) || z.ctx.Err() != nil {
			return n, err
		}
		z.failures++
		if z.failures >= z.r.o.MaxAttempts {
			return n, fmt.Errorf("get %s at byte %d: %w", z.key, z.off, err)
		}
		d := z.r.backoff(z.failures)
		logRetry(z.r.o.Logger, "resume get "+z.key, z.failures, d, err)
		_ = z.rc.Close()
		select {
		case <-z.ctx.Done():
			return n, z.ctx.Err()
		case <-time.After(d):
		}
		rc, oerr := z.r.s.GetRange(z.ctx, z.key, z.off, z.left)
		if oerr != nil {
			z.rc = io.NopCloser(strings.NewReader(""))
			return n, fmt.Errorf("resume get %s at byte %d: %w", z.key, z.off, oerr)
		}
		z.rc = rc
		if n > 0 {
			return n, nil
		}
	}
}

func (z *resumingReader) Close() error { return z.rc.Close() }

func (r *retryStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	var info ObjectInfo
	err := r.do(ctx, "stat", key, func() error {
		var err error
		info, err = r.s.Stat(ctx, key)
		return err
	})
	return info, err
}

// List restarts a failed listing after the last key it delivered.
func (r *retryStore) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	return r.ListFrom(ctx, prefix, "", fn)
}

// ListFrom implements ListerFrom over the wrapped store (see ListFrom).
func (r *retryStore) ListFrom(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error {
	var last string
	delivered := false
	var fnErr error
	err := r.do(ctx, "list", prefix, func() error {
		from := startAfter
		if delivered {
			from = last // a retry goes on after the last key delivered
		}
		err := ListFrom(ctx, r.s, prefix, from, func(o ObjectInfo) error {
			if delivered && o.Key <= last {
				return nil
			}
			if err := fn(o); err != nil {
				fnErr = err
				return err
			}
			last, delivered = o.Key, true
			return nil
		})
		if fnErr != nil {
			return &permanentError{msg: fnErr.Error(), err: fnErr} // the caller's error: never retried
		}
		return err
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

func (r *retryStore) Delete(ctx context.Context, key string) error {
	return r.do(ctx, "delete", key, func() error { return r.s.Delete(ctx, key) })
}

func (r *retryStore) Move(ctx context.Context, src, dst string) error {
	return r.do(ctx, "move", src, func() error { return r.s.Move(ctx, src, dst) })
}

func (r *retryStore) URL(key string) string { return r.s.URL(key) }
func (r *retryStore) Close() error          { return r.s.Close() }

// Unwrap returns the wrapped store.
func (r *retryStore) Unwrap() Store { return r.s }

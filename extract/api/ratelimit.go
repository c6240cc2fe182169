package api

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/lakectl/lakectl/internal/netx"
)

// limiter is a token bucket: at most burst requests at once, refilled at
// rate per second. One per source, shared by its accounts and endpoints;
// every attempt (retries included) takes a token.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// newLimiter returns nil (no limit) when rl is nil.
func newLimiter(rl *RateLimit) *limiter {
	if rl == nil {
		return nil
	}
	burst := float64(rl.Burst)
	if burst < 1 {
		burst = math.Max(1, math.Floor(rl.RequestsPerSecond))
	}
	return &limiter{rate: rl.RequestsPerSecond, burst: burst, tokens: burst}
}

// wait blocks until a token is available or ctx ends. The token is
// reserved before sleeping, so waiters are served in arrival order.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() {
		l.tokens = math.Min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	l.tokens--
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return sleep(ctx, d)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error { return netx.Sleep(ctx, d) }

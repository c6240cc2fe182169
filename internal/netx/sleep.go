package netx

import (
	"context"
	"time"
)

// Sleep waits d between attempts of a retry, or until ctx is done (then
// it returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

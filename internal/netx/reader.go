package netx

import (
	"io"
	"sync"
	"time"
)

// IdleReader bounds each Read of a stream that is not a net.Conn (an SDK
// body behind someone else's transport, a pipe from a subprocess): a Read
// that returns nothing for idle closes rc, which unblocks it, and fails
// with a *TimeoutError naming endpoint. The caller still closes the
// returned reader.
func IdleReader(rc io.ReadCloser, idle time.Duration, endpoint string) io.ReadCloser {
	if idle <= 0 {
		return rc
	}
	return &idleReader{rc: rc, idle: idle, endpoint: endpoint}
}

type idleReader struct {
	rc       io.ReadCloser
	idle     time.Duration
	endpoint string

	mu      sync.Mutex
	expired bool
}

func (r *idleReader) Read(p []byte) (int, error) {
	t := time.AfterFunc(r.idle, func() {
		r.mu.Lock()
		r.expired = true
		r.mu.Unlock()
		_ = r.rc.Close()
	})
	n, err := r.rc.Read(p)
	t.Stop()
	r.mu.Lock()
	expired := r.expired
	r.mu.Unlock()
	if expired && err != nil {
		return n, &TimeoutError{Endpoint: r.endpoint, Phase: PhaseIO, After: r.idle}
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.mu.Lock()
	expired := r.expired
	r.mu.Unlock()
	if expired {
		return nil
	}
	return r.rc.Close()
}

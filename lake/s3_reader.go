package lake

import (
	"context"
	"io"
	"sync"
)

// parallelReader delivers bytes [start, end) of an object in order while
// up to Concurrency ranged GETs of PartSize fetch ahead. It first drains
// the body of the first request (streamed, not buffered). Memory is bounded
// by its pool of Concurrency+1 part buffers.
type parallelReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	first  io.ReadCloser // the first part's body, read until EOF
	queue  chan chan partResult
	free   chan []byte
	cur    []byte // unread bytes of the current part
	curBuf []byte // its buffer, returned to free when drained
	err    error
	wg     sync.WaitGroup
}

type partResult struct {
	buf []byte
	err error
}

func newParallelReader(ctx context.Context, s *S3Store, key, etag string, first io.ReadCloser, start, end int64) *parallelReader {
	ctx, cancel := context.WithCancel(ctx)
	n := s.opts.Concurrency
	p := &parallelReader{
		ctx:    ctx,
		cancel: cancel,
		first:  first,
		queue:  make(chan chan partResult, n),
		free:   make(chan []byte, n+1),
	}
	for range n + 1 {
		p.free <- nil // buffers are allocated on first use
	}
	part := s.opts.PartSize
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.queue)
		for from := start; from < end; from += part {
			to := min(from+part, end)
			var buf []byte
			select {
			case buf = <-p.free:
			case <-ctx.Done():
				return
			}
			if buf == nil {
				buf = make([]byte, part)
			}
			res := make(chan partResult, 1)
			select {
			case p.queue <- res:
			case <-ctx.Done():
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				b, err := s.fetchRange(ctx, key, etag, from, to, buf)
				if err != nil {
					b = buf
				}
				res <- partResult{buf: b, err: err}
			}()
		}
	}()
	return p
}

func (p *parallelReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.first != nil {
		n, err := p.first.Read(b)
		if err == io.EOF {
			_ = p.first.Close()
			p.first = nil
			err = nil
		}
		if err != nil {
			p.err = err
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	for len(p.cur) == 0 {
		if p.curBuf != nil {
			p.free <- p.curBuf[:cap(p.curBuf)]
			p.curBuf = nil
		}
		var res chan partResult
		var ok bool
		select {
		case res, ok = <-p.queue:
		case <-p.ctx.Done():
			p.err = p.ctx.Err()
			return 0, p.err
		}
		if !ok {
			if err := p.ctx.Err(); err != nil {
				p.err = err
				return 0, err
			}
			p.err = io.EOF
			return 0, io.EOF
		}
		var r partResult
		select {
		case r = <-res:
		case <-p.ctx.Done():
			p.err = p.ctx.Err()
			return 0, p.err
		}
		p.curBuf = r.buf
		if r.err != nil {
			p.err = r.err
			return 0, r.err
		}
		p.cur = r.buf
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// Close stops the fetches and waits for them.
func (p *parallelReader) Close() error {
	p.cancel()
	if p.first != nil {
		_ = p.first.Close()
	}
	p.wg.Wait()
	if p.err == nil {
		p.err = errClosed
	}
	return nil
}

var errClosed = io.ErrClosedPipe

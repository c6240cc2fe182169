package parquetfile

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/lakectl/lakectl/lake"
)

const (
	cacheBlockBytes = 1 << 20 // reads smaller than this go through the block cache
	cacheBlocks     = 4       // blocks kept (most recently used)
)

// StoreReaderAt reads the size-byte object at key with ranged GETs, for
// OpenReader. Reads of a MiB or more are one GET each; smaller ones (page
// headers, footer, small column chunks) are served from a cache of a few
// 1 MiB blocks, so a file is fetched in few requests. It is safe for
// concurrent use; ctx bounds every request.
func StoreReaderAt(ctx context.Context, store lake.Store, key string, size int64) io.ReaderAt {
	return &storeReaderAt{ctx: ctx, store: store, key: key, size: size}
}

type storeReaderAt struct {
	ctx   context.Context
	store lake.Store
	key   string
	size  int64

	mu     sync.Mutex
	blocks []cachedBlock // least recently used first
}

type cachedBlock struct {
	index int64
	data  []byte
}

func (r *storeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.key, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := len(p)
	if rest := r.size - off; int64(want) > rest {
		p = p[:rest]
	}
	var n int
	var err error
	if len(p) >= cacheBlockBytes {
		n, err = r.get(p, off)
	} else {
		n, err = r.cached(p, off)
	}
	if err == nil && n < want {
		err = io.EOF
	}
	return n, err
}

func (r *storeReaderAt) get(p []byte, off int64) (int, error) {
	rc, err := r.store.GetRange(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	if err != nil {
		return n, fmt.Errorf("read %s at %d: %w", r.key, off, err)
	}
	return n, nil
}

func (r *storeReaderAt) cached(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		b, err := r.block(pos / cacheBlockBytes)
		if err != nil {
			return n, err
		}
		n += copy(p[n:], b[pos%cacheBlockBytes:])
	}
	return n, nil
}

// block returns block i, fetching it when it is not cached. r.mu is held.
func (r *storeReaderAt) block(i int64) ([]byte, error) {
	for j, b := range r.blocks {
		if b.index == i {
			r.blocks = append(append(r.blocks[:j:j], r.blocks[j+1:]...), b)
			return b.data, nil
		}
	}
	start := i * cacheBlockBytes
	data := make([]byte, min(cacheBlockBytes, r.size-start))
	if _, err := r.get(data, start); err != nil {
		return nil, err
	}
	if len(r.blocks) == cacheBlocks {
		r.blocks = append(r.blocks[:0], r.blocks[1:]...)
	}
	r.blocks = append(r.blocks, cachedBlock{index: i, data: data})
	return data, nil
}

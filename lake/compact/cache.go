package compact

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
)

const (
	// wholeFileBytes: planning reads files up to this size whole, in the
	// one GET that their footer would cost anyway, and keeps them for the
	// rewrite, so a small input costs one request instead of two.
	wholeFileBytes = 1 << 20
	// cacheBytes bounds the input bytes a run keeps between planning and
	// rewriting; files beyond it are fetched again when rewritten.
	cacheBytes = 32 << 20
)

// fileCache is a run's budget of input bytes kept from planning.
type fileCache struct{ left atomic.Int64 }

func newFileCache() *fileCache {
	c := &fileCache{}
	c.left.Store(cacheBytes)
	return c
}

// take reserves n bytes, or reports false when the budget is spent.
func (c *fileCache) take(n int64) bool {
	if c == nil {
		return false
	}
	for {
		left := c.left.Load()
		if left < n {
			return false
		}
		if c.left.CompareAndSwap(left, left-n) {
			return true
		}
	}
}

// release gives back the bytes kept for in, once.
func (c *fileCache) release(in *inputFile) {
	if c != nil && in.data != nil {
		c.left.Add(int64(len(in.data)))
		in.data, in.pf = nil, nil
	}
}

// readFooter reads f's footer; a small file is read whole and kept in
// its data while the budget lasts, and opened once for both planning and
// rewriting (pf).
func (c *fileCache) readFooter(ctx context.Context, store lake.Store, key string, size int64) (parquetfile.Footer, []byte, *parquet.File, error) {
	if size > wholeFileBytes || !c.take(size) {
		ft, err := parquetfile.ReadFooterFrom(ctx, store, key, size)
		return ft, nil, nil, err
	}
	data, err := getAll(ctx, store, key, size)
	if err == nil {
		var pf *parquet.File
		var ft parquetfile.Footer
		if pf, err = openParquet(bytes.NewReader(data), size); err == nil {
			if ft, err = parquetfile.FooterOf(pf.Metadata()); err == nil {
				return ft, data, pf, nil
			}
		}
		err = fmt.Errorf("read footer of %s: %w: %v", key, parquetfile.ErrNotParquet, err)
	}
	c.left.Add(size)
	return parquetfile.Footer{}, nil, nil, err
}

func getAll(ctx context.Context, store lake.Store, key string, size int64) ([]byte, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(rc, data); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	if n, _ := rc.Read(make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("read %s: longer than the %d bytes listed", key, size)
	}
	return data, nil
}

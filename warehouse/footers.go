package warehouse

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// footerReads is how many footers a load plan reads at once: on S3 each
// is a round trip, and 2,000 of them one after the other took seconds.
const footerReads = 32

// fileFooter is what the plan needs from a file's footer.
type fileFooter struct {
	schema   schema.Schema
	rows     int64
	maxBytes map[string]int
}

// footers reads the footers of the n files file(0..n-1), footerReads at
// a time, except those the catalog's file index knows (a crawl read
// them; the load then sends one GET per file, not two). An error is the
// one of the first failing file in that order (as reading them one by
// one would return): files after it are not read.
//
// With t.cache, a small file is read whole, its footer taken from the
// tail, and the bytes kept for staging: one GET per file without a crawl.
func (t lakeTable) footers(ctx context.Context, n int, file func(int) lakeFile) ([]fileFooter, error) {
	out := make([]fileFooter, n)
	errs := make([]error, n)
	var next atomic.Int64
	var failed atomic.Int64 // lowest failing index; n when none
	failed.Store(int64(n))
	known := catalog.KnownFooters(ctx, t.store, t.tbl.Name())
	var wg sync.WaitGroup
	for range min(footerReads, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || i > failed.Load() {
					return
				}
				f := file(int(i))
				if k, ok := known(f.Key, f.Size, f.ETag); ok {
					out[i] = fileFooter{schema: k.Schema, rows: k.Rows, maxBytes: k.MaxBytes}
					continue
				}
				s, rows, mb, err := t.footerOf(ctx, f)
				if err != nil {
					errs[i] = err
					for f := failed.Load(); i < f && !failed.CompareAndSwap(f, i); f = failed.Load() {
					}
					continue
				}
				out[i] = fileFooter{schema: s, rows: rows, maxBytes: mb}
			}
		}()
	}
	wg.Wait()
	if f := failed.Load(); f < int64(n) {
		return nil, errs[f]
	}
	return out, nil
}

// wholeFileBytes is the largest file a plan reads whole (footer and
// data in one GET) when the cache has room for it.
const wholeFileBytes = 8 << 20

// cacheBytes bounds the files a plan keeps for staging; past it a plan
// reads footers alone and staging fetches the data again.
const cacheBytes = 128 << 20

// footerOf reads f's footer: from bytes the cache holds, from the whole
// file (kept in the cache), or from the tail of the object.
func (t lakeTable) footerOf(ctx context.Context, f lakeFile) (schema.Schema, int64, map[string]int, error) {
	cache := t.cache
	data, ok := cache.peek(f.Key)
	if !ok && f.Size <= wholeFileBytes && cache.reserve(f.Size) {
		var err error
		if data, err = driver.ReadWhole(ctx, t.store, f.Key, f.Size); err != nil {
			cache.unreserve(f.Size)
			return schema.Schema{}, 0, nil, fmt.Errorf("read footer of %s: %w", f.Key, err)
		}
		cache.put(f.Key, data)
		ok = true
	}
	if !ok {
		return t.Footer(ctx, f)
	}
	ft, err := parquetfile.ReadFooter(ctx, bytes.NewReader(data), f.Size)
	if err != nil {
		return schema.Schema{}, 0, nil, fmt.Errorf("read footer of %s: %w", f.Key, err)
	}
	m, _ := parquetfile.MaxBytes(ft.KeyValue)
	return ft.Schema, ft.Rows, m, nil
}

// fileCache holds whole files a plan read, up to cacheBytes, until
// staging takes them (driver.FileCache). A nil cache holds nothing.
type fileCache struct {
	mu    sync.Mutex
	files map[string][]byte
	bytes int64 // held and reserved
}

func newFileCache() *fileCache { return &fileCache{files: map[string][]byte{}} }

func (c *fileCache) reserve(n int64) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+n > cacheBytes {
		return false
	}
	c.bytes += n
	return true
}

func (c *fileCache) unreserve(n int64) {
	c.mu.Lock()
	c.bytes -= n
	c.mu.Unlock()
}

func (c *fileCache) put(key string, data []byte) {
	c.mu.Lock()
	c.files[key] = data
	c.mu.Unlock()
}

func (c *fileCache) peek(key string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.files[key]
	return data, ok
}

// Take hands the file's bytes to staging and forgets them.
func (c *fileCache) Take(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, ok := c.files[key]
	if ok {
		delete(c.files, key)
		c.bytes -= int64(len(data))
	}
	return data, ok
}

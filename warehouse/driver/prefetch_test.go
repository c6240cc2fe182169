package driver_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// remote is a lake store without local paths (as S3), counting GETs.
type remote struct {
	lake.Store
	gets atomic.Int64
}

func (r *remote) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	r.gets.Add(1)
	return r.Store.Get(ctx, key)
}

type mapCache struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (c *mapCache) Take(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.files[key]
	delete(c.files, key)
	return b, ok
}

func remoteLake(t *testing.T, n, size int) (*remote, []driver.StageFile) {
	t.Helper()
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = size
	}
	return sizedLake(t, sizes...)
}

// sizedLake is a remote lake of one file per size, file i all byte i.
func sizedLake(t *testing.T, sizes ...int) (*remote, []driver.StageFile) {
	t.Helper()
	ctx := context.Background()
	fs, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var files []driver.StageFile
	for i, size := range sizes {
		key := fmt.Sprintf("f%02d", i)
		data := bytes.Repeat([]byte{byte(i)}, size)
		if _, err := fs.Put(ctx, key, bytes.NewReader(data), int64(size), lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		files = append(files, driver.StageFile{Key: key, Size: int64(size)})
	}
	return &remote{Store: fs}, files
}

// eventually waits for cond, for at most a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 500 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal(what)
}

func TestPrefetcherHoldsAtMostItsBudgetAndFetchesOnRelease(t *testing.T) {
	store, files := remoteLake(t, 6, 100)
	// The budget holds two files: the third is fetched once one is released.
	p := driver.NewPrefetcher(context.Background(), store, files, driver.PrefetchOptions{Budget: 250, Cache: &mapCache{files: map[string][]byte{"f01": bytes.Repeat([]byte{1}, 100)}}})
	defer p.Close()
	f0, err := p.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	f1, err := p.Get(1)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := store.gets.Load(); n != 1 {
		t.Fatalf("%d GETs with two files held (one from the cache), want 1", n)
	}
	if len(f0.Data) != 100 || f0.Data[0] != 0 || len(f1.Data) != 100 || f1.Data[0] != 1 {
		t.Fatalf("fetched %d bytes of %d, %d of %d", len(f0.Data), f0.Data[0], len(f1.Data), f1.Data[0])
	}
	f0.Release()
	f0.Release() // twice is once
	eventually(t, "file 2 not fetched after a release", func() bool { return store.gets.Load() == 2 })
	time.Sleep(50 * time.Millisecond)
	if n := store.gets.Load(); n != 2 {
		t.Fatalf("%d GETs after one release, want 2", n)
	}
	f1.Release()
	for i := 2; i < len(files); i++ {
		f, err := p.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		if f.Data[0] != byte(i) {
			t.Fatalf("file %d holds the bytes of file %d", i, f.Data[0])
		}
		f.Release()
	}
}

func TestPrefetcherDownloadsToTemporaryFilesAndReportsMissingOnes(t *testing.T) {
	store, files := remoteLake(t, 3, 10)
	files = append(files, driver.StageFile{Key: "gone", Size: 10})
	dir := t.TempDir()
	p := driver.NewPrefetcher(context.Background(), store, files, driver.PrefetchOptions{Dir: dir, Budget: 1 << 20})
	f, err := p.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(f.Path); err != nil || len(b) != 10 {
		t.Fatalf("download %s: %d bytes, %v", f.Path, len(b), err)
	}
	f.Release()
	if _, err := p.Get(3); err == nil || !isNotExist(err) {
		t.Errorf("missing file: %v, want lake.ErrNotExist", err)
	}
	// Files 1 and 2 were never taken: Close removes them.
	p.Close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Close left %d temporary files", len(left))
	}
}

func isNotExist(err error) bool { return errors.Is(err, lake.ErrNotExist) }

// A released temporary file is rewritten for a later file (creating
// files is what costs), truncated to the new file's bytes.
func TestPrefetcherReusesReleasedTemporaryFiles(t *testing.T) {
	ctx := context.Background()
	store, files := sizedLake(t, 100, 10, 100)
	dir := t.TempDir()
	// A budget of one file at a time: file i+1 is fetched once i is released.
	p := driver.NewPrefetcher(ctx, store, files, driver.PrefetchOptions{Dir: dir, Budget: 100})
	paths := map[string]bool{}
	for i, want := range files {
		f, err := p.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(f.Path)
		if err != nil || len(b) != int(want.Size) || b[0] != byte(i) || b[len(b)-1] != byte(i) {
			t.Fatalf("file %d at %s: %q, %v", i, f.Path, b, err)
		}
		paths[f.Path] = true
		f.Release()
	}
	if len(paths) != 1 {
		t.Errorf("%d temporary files for 3 files fetched one after another, want 1 reused", len(paths))
	}
	p.Close()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("Close left %d temporary files", len(left))
	}
}

// A file released after Close is removed, not kept for reuse.
func TestPrefetcherRemovesFilesReleasedAfterClose(t *testing.T) {
	store, files := remoteLake(t, 1, 10)
	dir := t.TempDir()
	p := driver.NewPrefetcher(context.Background(), store, files, driver.PrefetchOptions{Dir: dir, Budget: 1 << 20})
	f, err := p.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	f.Release()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d temporary files left after Close and Release", len(left))
	}
}

// MaxFiles bounds the files fetched and not released: the next file
// waits for a release, and downloads into the released file's place.
func TestPrefetcherHoldsAtMostMaxFiles(t *testing.T) {
	store, files := remoteLake(t, 4, 10)
	dir := t.TempDir()
	p := driver.NewPrefetcher(context.Background(), store, files, driver.PrefetchOptions{Dir: dir, Budget: 1 << 20, MaxFiles: 2})
	defer p.Close()
	f0, err := p.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := store.gets.Load(); n != 2 {
		t.Fatalf("%d files fetched while 2 are held, want 2", n)
	}
	path := f0.Path
	f0.Release()
	f2, err := p.Get(2)
	if err != nil {
		t.Fatal(err)
	}
	if f2.Path != path {
		t.Errorf("file 2 downloaded to %s, want the released %s", f2.Path, path)
	}
	if left, _ := os.ReadDir(dir); len(left) != 2 {
		t.Errorf("%d temporary files, want 2", len(left))
	}
}

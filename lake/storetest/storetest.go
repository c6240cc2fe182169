// Package storetest is the one conformance suite every lake.Store passes:
// the file store on a temporary folder and the S3 store on MinIO run the
// same tests, so code above lake.Store can rely on the contract alone.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// LargeSize is the size of the object the suite uses to cross multipart
// thresholds; stores under test should use a smaller part size.
const LargeSize = 21<<20 + 12345

// Run runs the conformance suite. newStore returns an empty store for one
// subtest; the suite closes it.
func Run(t *testing.T, newStore func(t *testing.T) lake.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s lake.Store)
	}{
		{"PutThenGetReturnsTheSameBytes", testRoundTrip},
		{"MissingObjectIsErrNotExist", testMissing},
		{"ETagChangesWhenContentChanges", testETag},
		{"GetRangeReturnsTheRequestedBytes", testGetRange},
		{"ListIsLexicalAndFilteredByPrefix", testList},
		{"ListStopsAtCallbackError", testListStops},
		{"ListFromStartsAfterTheKey", testListFrom},
		{"DeleteRemovesAndIgnoresMissing", testDelete},
		{"MoveIsIdempotentForRollForward", testMove},
		{"IfNoneMatchLetsExactlyOneCreatorWin", testIfNoneMatchRace},
		{"IfMatchReplacesOnlyTheExpectedVersion", testIfMatch},
		{"IfMatchLetsExactlyOneUpdaterWin", testIfMatchRace},
		{"LargeObjectRoundTrips", testLarge},
		{"CancelledPutLeavesNoObject", testCancel},
		{"InvalidKeysAreRejected", testInvalidKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

func put(t *testing.T, s lake.Store, key string, data []byte) lake.ObjectInfo {
	t.Helper()
	info, err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), lake.PutOptions{})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
	return info
}

func get(t *testing.T, s lake.Store, key string) []byte {
	t.Helper()
	rc, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func listKeys(t *testing.T, s lake.Store, prefix string) []string {
	t.Helper()
	keys := []string{}
	err := s.List(context.Background(), prefix, func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return keys
}

// onlyReader hides a reader's other methods (Seek, WriterTo), as a pipe would.
type onlyReader struct{ io.Reader }

func testRoundTrip(t *testing.T, s lake.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		key     string
		size    int
		unknown bool
	}{
		{"empty", "a/empty.bin", 0, false},
		{"small", "a/small.bin", 1000, false},
		{"small of unknown size", "a/unknown.bin", 70000, true},
		{"key with spaces and unicode", "raw/dt=2024-01-01/file name ü.json", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := randomBytes(t, tc.size)
			var r io.Reader = bytes.NewReader(data)
			size := int64(len(data))
			if tc.unknown {
				r, size = onlyReader{r}, -1
			}
			info, err := s.Put(ctx, tc.key, r, size, lake.PutOptions{})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			if info.ETag == "" {
				t.Errorf("put returned no ETag")
			}
			if got := get(t, s, tc.key); !bytes.Equal(got, data) {
				t.Fatalf("get returned %d bytes, want the %d put", len(got), len(data))
			}
			st, err := s.Stat(ctx, tc.key)
			if err != nil {
				t.Fatalf("stat: %v", err)
			}
			if st.Size != int64(len(data)) || st.Key != tc.key || st.ETag != info.ETag || st.ModTime.IsZero() {
				t.Errorf("stat = %+v, want key %s size %d etag %s", st, tc.key, len(data), info.ETag)
			}
			if keys := listKeys(t, s, tc.key); len(keys) != 1 || keys[0] != tc.key {
				t.Errorf("list %q = %q", tc.key, keys)
			}
		})
	}
}

func testMissing(t *testing.T, s lake.Store) {
	ctx := context.Background()
	put(t, s, "dir/present", []byte("x"))
	for _, key := range []string{"nothing", "dir/absent", "dir", "dir/present/below"} {
		if _, err := s.Stat(ctx, key); !errors.Is(err, lake.ErrNotExist) {
			t.Errorf("stat %s: err = %v, want ErrNotExist", key, err)
		}
		if rc, err := s.Get(ctx, key); !errors.Is(err, lake.ErrNotExist) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("get %s: err = %v, want ErrNotExist", key, err)
		}
		if rc, err := s.GetRange(ctx, key, 0, 1); !errors.Is(err, lake.ErrNotExist) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("get range %s: err = %v, want ErrNotExist", key, err)
		}
		if err := s.Move(ctx, key, "elsewhere"); !errors.Is(err, lake.ErrNotExist) {
			t.Errorf("move %s: err = %v, want ErrNotExist", key, err)
		}
	}
}

func testETag(t *testing.T, s lake.Store) {
	a := put(t, s, "k", []byte("first"))
	b := put(t, s, "k", []byte("second"))
	c := put(t, s, "k", []byte("third!"))
	if a.ETag == b.ETag || b.ETag == c.ETag {
		t.Fatalf("ETags did not change with content: %q %q %q", a.ETag, b.ETag, c.ETag)
	}
	if got := string(get(t, s, "k")); got != "third!" {
		t.Fatalf("get = %q, want the last put", got)
	}
}

func testGetRange(t *testing.T, s lake.Store) {
	data := randomBytes(t, 10000)
	put(t, s, "r", data)
	for _, tc := range []struct{ off, n int64 }{
		{0, 1}, {0, 10000}, {1, 9999}, {4096, 100}, {9999, 1}, {5000, -1}, {0, -1}, {9990, 50},
	} {
		rc, err := s.GetRange(context.Background(), "r", tc.off, tc.n)
		if err != nil {
			t.Fatalf("range %d+%d: %v", tc.off, tc.n, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("read range %d+%d: %v", tc.off, tc.n, err)
		}
		end := int64(len(data))
		if tc.n >= 0 && tc.off+tc.n < end {
			end = tc.off + tc.n
		}
		if !bytes.Equal(got, data[tc.off:end]) {
			t.Errorf("range %d+%d returned %d bytes that differ from bytes %d..%d", tc.off, tc.n, len(got), tc.off, end)
		}
	}
}

func testList(t *testing.T, s lake.Store) {
	// "a-c" < "a/b" < "a0" byte-wise: a folder walk that sorts folder
	// names without their '/' gets this wrong.
	keys := []string{"b", "a/c/d", "a0", "a-c", "ab/x", "a/b", "tables/t/dt=2024-01-02/p.parquet", "tables/t/dt=2024-01-01/p.parquet", "tables/t2/x"}
	for _, k := range keys {
		put(t, s, k, []byte(k))
	}
	all := append([]string(nil), keys...)
	sort.Strings(all)
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", all},
		{"a", []string{"a-c", "a/b", "a/c/d", "a0", "ab/x"}},
		{"a/", []string{"a/b", "a/c/d"}},
		{"a/c", []string{"a/c/d"}},
		{"tables/t/", []string{"tables/t/dt=2024-01-01/p.parquet", "tables/t/dt=2024-01-02/p.parquet"}},
		{"tables/t", []string{"tables/t/dt=2024-01-01/p.parquet", "tables/t/dt=2024-01-02/p.parquet", "tables/t2/x"}},
		{"tables/t/dt=2024-01-02", []string{"tables/t/dt=2024-01-02/p.parquet"}},
		{"zz", []string{}},
		{"b", []string{"b"}},
	} {
		if got := listKeys(t, s, tc.prefix); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("list %q = %q, want %q", tc.prefix, got, tc.want)
		}
	}
	err := s.List(context.Background(), "a/b", func(o lake.ObjectInfo) error {
		if o.Size != int64(len("a/b")) || o.ETag == "" || o.ModTime.IsZero() {
			t.Errorf("listed %+v: want size %d, an ETag and a time", o, len("a/b"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testListFrom(t *testing.T, s lake.Store) {
	for _, k := range []string{"s/2026/01/01/00/a", "s/2026/01/01/01/b", "s/2026/01/02/00/c", "t/x"} {
		put(t, s, k, []byte(k))
	}
	for _, tc := range []struct{ prefix, after, want string }{
		{"", "", "s/2026/01/01/00/a,s/2026/01/01/01/b,s/2026/01/02/00/c,t/x"},
		{"", "s/2026/01/01/01", "s/2026/01/01/01/b,s/2026/01/02/00/c,t/x"},
		{"s/", "s/2026/01/01/01/b", "s/2026/01/02/00/c"},
		{"s/", "u", ""},
	} {
		var got []string
		if err := lake.ListFrom(context.Background(), s, tc.prefix, tc.after, func(o lake.ObjectInfo) error {
			got = append(got, o.Key)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("list %q after %q = %q, want %q", tc.prefix, tc.after, got, tc.want)
		}
	}
}

func testListStops(t *testing.T, s lake.Store) {
	for i := range 5 {
		put(t, s, fmt.Sprintf("k%d", i), nil)
	}
	stop := errors.New("stop")
	n := 0
	err := s.List(context.Background(), "", func(lake.ObjectInfo) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("list returned %v after %d calls, want the callback's error after 2", err, n)
	}
}

func testDelete(t *testing.T, s lake.Store) {
	ctx := context.Background()
	put(t, s, "d/one", []byte("1"))
	put(t, s, "d/two", []byte("2"))
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if err := s.Delete(ctx, "never/was"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if got := listKeys(t, s, ""); strings.Join(got, ",") != "d/two" {
		t.Fatalf("after delete, list = %q", got)
	}
	if err := s.Delete(ctx, "d/two"); err != nil {
		t.Fatal(err)
	}
	if got := listKeys(t, s, ""); len(got) != 0 {
		t.Fatalf("after deleting all, list = %q", got)
	}
	put(t, s, "d/again", []byte("3")) // the folder may have been pruned
	if got := string(get(t, s, "d/again")); got != "3" {
		t.Fatalf("get after re-create = %q", got)
	}
}

func testMove(t *testing.T, s lake.Store) {
	ctx := context.Background()
	src, dst := "_lakectl/tables/t/staging/tx1/dt=1/p.parquet", "tables/t/dt=1/p.parquet"
	put(t, s, src, []byte("payload"))
	put(t, s, dst, []byte("old")) // a move replaces
	if err := s.Move(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if got := string(get(t, s, dst)); got != "payload" {
		t.Fatalf("dst = %q, want the moved content", got)
	}
	if _, err := s.Stat(ctx, src); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("src after move: %v, want ErrNotExist", err)
	}
	if err := s.Move(ctx, src, dst); err != nil {
		t.Fatalf("second move (roll-forward): %v, want nil", err)
	}
	if err := s.Move(ctx, "missing/a", "missing/b"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("move with neither side present: %v, want ErrNotExist", err)
	}
	if got := listKeys(t, s, ""); strings.Join(got, ",") != dst {
		t.Fatalf("list after move = %q", got)
	}
}

func testIfNoneMatchRace(t *testing.T, s lake.Store) {
	const n = 8
	ctx := context.Background()
	key := "_lakectl/tables/t/commits/tx.json"
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		wins   []int
		others []error
	)
	for i := range n {
		wg.Go(func() {
			body := []byte(fmt.Sprintf("writer %d", i))
			_, err := s.Put(ctx, key, bytes.NewReader(body), int64(len(body)), lake.PutOptions{IfNoneMatch: true})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins = append(wins, i)
			} else {
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 {
		t.Fatalf("%d writers won, want exactly 1 (errors: %v)", len(wins), others)
	}
	for _, err := range others {
		if !errors.Is(err, lake.ErrPrecondition) {
			t.Errorf("losing writer: %v, want ErrPrecondition", err)
		}
	}
	if got, want := string(get(t, s, key)), fmt.Sprintf("writer %d", wins[0]); got != want {
		t.Fatalf("object = %q, want the winner's %q", got, want)
	}
}

func testIfMatch(t *testing.T, s lake.Store) {
	ctx := context.Background()
	body := func(s string) (io.Reader, int64) { return strings.NewReader(s), int64(len(s)) }
	r, n := body("missing")
	if _, err := s.Put(ctx, "lock", r, n, lake.PutOptions{IfMatch: `"abc"`}); !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("if-match on a missing object: %v, want ErrPrecondition", err)
	}
	v1 := put(t, s, "lock", []byte("v1"))
	r, n = body("v2")
	v2, err := s.Put(ctx, "lock", r, n, lake.PutOptions{IfMatch: v1.ETag})
	if err != nil {
		t.Fatalf("if-match with the current ETag: %v", err)
	}
	r, n = body("v3")
	if _, err := s.Put(ctx, "lock", r, n, lake.PutOptions{IfMatch: v1.ETag}); !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("if-match with a stale ETag: %v, want ErrPrecondition", err)
	}
	if got := string(get(t, s, "lock")); got != "v2" {
		t.Fatalf("object = %q, want v2", got)
	}
	if st, err := s.Stat(ctx, "lock"); err != nil || st.ETag != v2.ETag {
		t.Fatalf("stat = %+v, %v; want the ETag Put returned, %s", st, err, v2.ETag)
	}
	r, n = body("exists")
	if _, err := s.Put(ctx, "lock", r, n, lake.PutOptions{IfNoneMatch: true}); !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("if-none-match on an existing object: %v, want ErrPrecondition", err)
	}
}

// testIfMatchRace is laid out as testIfNoneMatchRace so that each race
// reads whole on its own; they differ in the condition and what wins.
func testIfMatchRace(t *testing.T, s lake.Store) {
	const n = 8
	ctx := context.Background()
	stale := put(t, s, "_lakectl/locks/job.json", []byte("stale holder"))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins []int
		errs []error
	)
	for i := range n {
		wg.Go(func() {
			b := []byte(fmt.Sprintf("taker %d", i))
			_, err := s.Put(ctx, "_lakectl/locks/job.json", bytes.NewReader(b), int64(len(b)), lake.PutOptions{IfMatch: stale.ETag})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins = append(wins, i)
			} else if !errors.Is(err, lake.ErrPrecondition) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(wins) != 1 || len(errs) > 0 {
		t.Fatalf("%d takers won (want exactly 1); unexpected errors: %v", len(wins), errs)
	}
	if got, want := string(get(t, s, "_lakectl/locks/job.json")), fmt.Sprintf("taker %d", wins[0]); got != want {
		t.Fatalf("lock = %q, want the winner's %q", got, want)
	}
}

func testLarge(t *testing.T, s lake.Store) {
	ctx := context.Background()
	data := randomBytes(t, LargeSize)
	want := sha256.Sum256(data)
	for _, tc := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"known size", bytes.NewReader(data), int64(len(data))},
		{"unknown size", onlyReader{bytes.NewReader(data)}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := s.Put(ctx, "big.bin", tc.r, tc.size, lake.PutOptions{})
			if err != nil {
				t.Fatalf("put: %v", err)
			}
			if info.ETag == "" {
				t.Errorf("no ETag")
			}
			rc, err := s.Get(ctx, "big.bin")
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(data)) || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatalf("get returned %d bytes with another hash than the %d put", n, len(data))
			}
			st, err := s.Stat(ctx, "big.bin")
			if err != nil || st.Size != int64(len(data)) {
				t.Fatalf("stat = %+v, %v", st, err)
			}
		})
	}
	// A reader closed early must stop its fetches and return.
	rc, err := s.Get(ctx, "big.bin")
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(rc, head); err != nil || !bytes.Equal(head, data[:100]) {
		t.Fatalf("first 100 bytes: %v", err)
	}
	if err := rc.Close(); err != nil {
		t.Fatalf("close after a partial read: %v", err)
	}

	off := int64(LargeSize - 5<<20 - 7)
	rc, err = s.GetRange(ctx, "big.bin", off, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data[off:]) {
		t.Fatalf("tail range: %d bytes, %v; want %d equal bytes", len(got), err, len(data)-int(off))
	}
}

// cancelAfter cancels its context once n bytes have been read.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func testCancel(t *testing.T, s lake.Store) {
	data := randomBytes(t, LargeSize)
	for _, tc := range []struct {
		name string
		size int64
	}{{"known size", int64(len(data))}, {"unknown size", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &cancelAfter{r: bytes.NewReader(data), n: 3 << 20, cancel: cancel}
			_, err := s.Put(ctx, "cancelled.bin", onlyReader{r}, tc.size, lake.PutOptions{})
			if err == nil {
				t.Fatal("put with a context cancelled mid-stream succeeded")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("put error %v does not wrap context.Canceled", err)
			}
			if _, err := s.Stat(context.Background(), "cancelled.bin"); !errors.Is(err, lake.ErrNotExist) {
				t.Fatalf("after a cancelled put, stat = %v, want ErrNotExist", err)
			}
			if got := listKeys(t, s, ""); len(got) != 0 {
				t.Fatalf("after a cancelled put, list = %q", got)
			}
		})
	}
	put(t, s, "there", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if rc, err := s.Get(ctx, "there"); err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
		if err == nil {
			t.Fatal("get with a cancelled context succeeded")
		}
	}
	if err := s.List(ctx, "", func(lake.ObjectInfo) error { return nil }); err == nil {
		t.Fatal("list with a cancelled context succeeded")
	}
}

func testInvalidKeys(t *testing.T, s lake.Store) {
	ctx := context.Background()
	for _, key := range []string{"", "/abs", "a/../b", "../up", "a//b", "./a", "a/"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 1, lake.PutOptions{}); err == nil {
			t.Errorf("put %q succeeded, want an invalid key error", key)
		}
		if _, err := s.Stat(ctx, key); err == nil || errors.Is(err, lake.ErrNotExist) {
			t.Errorf("stat %q: %v, want an invalid key error", key, err)
		}
	}
}

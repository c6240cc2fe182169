package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// onLanderStores runs fn on a lake in a folder and on one in MinIO.
func onLanderStores(t *testing.T, fn func(t *testing.T, store lake.Store)) {
	t.Run("file", func(t *testing.T) {
		store, _ := newLake(t)
		fn(t, store)
	})
	t.Run("minio", func(t *testing.T) {
		env := testenv.S3(t)
		env.SetAWSEnv(t)
		store, err := lake.Open(context.Background(), env.URL("lander"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		fn(t, store)
	})
}

// landed is a response handed to the lander, with where it went.
type landed struct {
	meta rawMeta
	body []byte
	ref  pageRef
}

func TestLanderBundlesResponsesByDayAndReadsThemBack(t *testing.T) {
	onLanderStores(t, func(t *testing.T, store lake.Store) {
		ctx := context.Background()
		l := newLander(store, "src", "ep", "RUN")
		l.bundleBytes = 3000 // a few members each: bundles stored for size too
		day1, day2 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
		all := landSome(t, l, day1, day2)
		checkBodies(t, store, all) // from memory, or from the bundles stored for size
		if err := l.flush(ctx, rawDay(day1)); err != nil {
			t.Fatal(err)
		}
		for _, x := range all {
			if x.meta.WindowStart.Before(day2) && x.ref.b.held() != nil {
				t.Fatalf("a response of %s is still held after the flush of its day", rawDay(day1))
			}
		}
		if keys := rawKeys(t, store); len(keys) < 3 || strings.Contains(strings.Join(keys, " "), "dt="+rawDay(day2)) {
			t.Errorf("after the flush of %s, raw/ holds %v: want %s's bundles (more than one: size-bound) and none of %s",
				rawDay(day1), keys, rawDay(day1), rawDay(day2))
		}
		if err := l.flush(ctx, ""); err != nil {
			t.Fatal(err)
		}
		checkBodies(t, store, all) // from the lake, by range
		checkScanned(t, store, all)
		var fetches int
		if _, err := listFetches(ctx, store, "src", "ep", time.Time{}, time.Time{}, func(f rawFetch) error {
			fetches++
			return nil
		}); err != nil || fetches != 10 {
			t.Errorf("listFetches found %d complete fetches (%v), want 10", fetches, err)
		}
	})
}

// landSome hands the lander ten fetches of three pages: eight windows on
// day1 and two on day2.
func landSome(t *testing.T, l *lander, day1, day2 time.Time) []landed {
	var zws sync.Pool
	var all []landed
	for i := range 30 {
		start := day1.Add(time.Duration(i/3) * time.Hour)
		if i >= 24 {
			start = day2.Add(time.Duration(i/3) * time.Hour)
		}
		m := rawMeta{Source: "src", Endpoint: "ep", Account: "a", WindowStart: start, Run: "RUN", Page: i%3 + 1, Last: i%3 == 2}
		body := fmt.Appendf(nil, `{"data":[{"id":%d,"pad":%q}]}`, i, strings.Repeat("x", i*7))
		member, err := encodeMember(&zws, body, m)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, landed{meta: m, body: body, ref: l.add(context.Background(), rawDay(start), member)})
	}
	return all
}

func checkBodies(t *testing.T, store lake.Store, all []landed) {
	t.Helper()
	for _, x := range all {
		got, err := readBody(context.Background(), store, x.ref)
		if err != nil || string(got) != string(x.body) {
			t.Fatalf("%s reads back %q (%v), want %q", x.ref, got, err, x.body)
		}
	}
}

// checkScanned reads every bundle member by member and finds each
// response where add said it is.
func checkScanned(t *testing.T, store lake.Store, all []landed) {
	t.Helper()
	type place struct {
		key    string
		off, n int64
	}
	found := map[place]storedPage{}
	for _, key := range rawKeys(t, store) {
		pages, err := scanBundle(context.Background(), store, key)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			found[place{p.ref.key, p.ref.off, p.ref.n}] = p
		}
	}
	if len(found) != len(all) {
		t.Errorf("bundles hold %d members, want %d", len(found), len(all))
	}
	for _, x := range all {
		p, ok := found[place{x.ref.key, x.ref.off, x.ref.n}]
		if m := p.meta; !ok || m.Page != x.meta.Page || !m.WindowStart.Equal(x.meta.WindowStart) {
			t.Errorf("%s: scanned %+v (found %v)", x.ref, m, ok)
			continue
		}
		// The scan kept the member's bytes: reading it back needs no GET.
		if got, err := readBody(context.Background(), nil, p.ref); p.ref.mem == nil || err != nil || string(got) != string(x.body) {
			t.Errorf("%s reads back from the scan %q (%v), want %q", x.ref, got, err, x.body)
		}
	}
}

func rawKeys(t *testing.T, store lake.Store) []string {
	t.Helper()
	var keys []string
	if err := store.List(context.Background(), "raw/", func(o lake.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

// failRawStore fails every Put under raw/.
type failRawStore struct{ lake.Store }

var errRawDown = errors.New("raw store down")

func (s failRawStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts lake.PutOptions) (lake.ObjectInfo, error) {
	if strings.HasPrefix(key, rawPrefix) {
		return lake.ObjectInfo{}, errRawDown
	}
	return s.Store.Put(ctx, key, r, size, opts)
}

func (s failRawStore) Unwrap() lake.Store { return s.Store }

func TestNoRecordIsCommittedWhenItsRawResponseIsNotStored(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "noraw", "page", nil)
	_, err := run(t, failRawStore{store}, runStart, Options{Sources: []string{spec}})
	if !errors.Is(err, errRawDown) && (err == nil || !strings.Contains(err.Error(), errRawDown.Error())) {
		t.Fatalf("err = %v, want the raw store's failure", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "tables", "noraw_tx", "*.parquet"))
	more, _ := filepath.Glob(filepath.Join(dir, "tables", "noraw_tx", "*", "*.parquet"))
	if len(files)+len(more) > 0 {
		t.Errorf("the table holds %d files though no raw response was stored", len(files)+len(more))
	}
}

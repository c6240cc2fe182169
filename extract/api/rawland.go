package api

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/lakectl/lakectl/lake"
)

// Bounds of the raw bytes (gzipped) an endpoint's run holds before
// landing them: a bundle is stored once it holds maxBundleBytes, and every
// open bundle once they hold maxHeldRawBytes together; else a bundle
// waits for the commit of its day's windows.
const (
	maxBundleBytes  = 8 << 20
	maxHeldRawBytes = 32 << 20
	bundleStores    = 8 // bundles stored at a time
)

// bundle is a raw object being filled, then stored.
type bundle struct {
	key  string
	day  string
	done chan struct{} // closed once the store ended (set when taken)

	mu   sync.Mutex
	data []byte // the members so far; nil once stored
}

// held returns the bundle's bytes while they are in memory (nil: stored,
// or no bundle).
func (b *bundle) held() []byte {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data
}

// lander lands an endpoint's responses in raw/, in one bundle per window
// day at a time. A commit first lands the bundles of the days its windows
// are on (flush), so no record is committed before its raw response; a
// store that fails fails every later flush, and so the run.
type lander struct {
	store       lake.Store
	dir         string // raw/<source>/<endpoint>/
	run         string
	bundleBytes int // maxBundleBytes (tests: less)

	mu      sync.Mutex
	open    map[string]*bundle // day -> bundle being filled
	held    int64              // bytes in open bundles
	seq     int
	storing []*bundle // taken, being stored
	err     error     // the first store that failed
}

func newLander(store lake.Store, source, endpoint, run string) *lander {
	return &lander{store: store, dir: rawDir(source, endpoint), run: run, bundleBytes: maxBundleBytes, open: map[string]*bundle{}}
}

// add appends a gzip member to its window day's bundle and returns where
// it is. Over the bounds, it stores the full bundle (or every open one)
// before returning, which holds the fetcher back while the lake is slow.
func (l *lander) add(ctx context.Context, day string, member []byte) pageRef {
	l.mu.Lock()
	b := l.open[day]
	if b == nil {
		l.seq++
		b = &bundle{key: fmt.Sprintf("%sdt=%s/%s_b%06d%s", l.dir, day, l.run, l.seq, bodySuffix), day: day}
		l.open[day] = b
	}
	b.mu.Lock()
	ref := pageRef{key: b.key, off: int64(len(b.data)), n: int64(len(member)), b: b}
	b.data = append(b.data, member...) // readers hold earlier bytes only: appends never touch them
	full := len(b.data) >= l.bundleBytes
	b.mu.Unlock()
	l.held += int64(len(member))
	var take []*bundle
	switch {
	case l.held >= maxHeldRawBytes:
		take = l.take(func(string) bool { return true })
	case full:
		take = l.take(func(d string) bool { return d == day })
	}
	l.mu.Unlock()
	l.land(ctx, take)
	return ref
}

// take removes the open bundles of the days keep selects, to be stored.
// l.mu is held.
func (l *lander) take(keep func(day string) bool) []*bundle {
	var out []*bundle
	for day, b := range l.open {
		if keep(day) {
			delete(l.open, day)
			l.held -= int64(len(b.data))
			b.done = make(chan struct{})
			out = append(out, b)
		}
	}
	l.storing = append(l.storing, out...)
	return out
}

// land stores taken bundles, bundleStores at a time.
func (l *lander) land(ctx context.Context, bs []*bundle) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, bundleStores)
	for _, b := range bs {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			l.storeBundle(ctx, b)
		})
	}
	wg.Wait()
}

func (l *lander) storeBundle(ctx context.Context, b *bundle) {
	data := b.held()
	_, err := l.store.Put(ctx, b.key, bytes.NewReader(data), int64(len(data)), lake.PutOptions{})
	if err == nil {
		b.mu.Lock()
		b.data = nil // pages not kept in memory are read back from the lake
		b.mu.Unlock()
	}
	l.mu.Lock()
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("store raw responses %s: %w", b.key, err)
	}
	l.storing = slices.DeleteFunc(l.storing, func(x *bundle) bool { return x == b })
	l.mu.Unlock()
	close(b.done)
}

// flush stores the open bundles of the days up to upTo ("": every day),
// waits for every store in flight, and reports the first store that
// failed in the run.
func (l *lander) flush(ctx context.Context, upTo string) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	take := l.take(func(day string) bool { return upTo == "" || day <= upTo })
	wait := slices.Clone(l.storing)
	l.mu.Unlock()
	l.land(ctx, take)
	for _, b := range wait {
		<-b.done
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

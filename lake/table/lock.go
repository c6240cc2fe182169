package table

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// DefaultStaleAfter is how long a lock or transaction may go without a
// heartbeat before another run may take it over.
const DefaultStaleAfter = 2 * time.Minute

// LockOptions tune AcquireLock.
type LockOptions struct {
	// StaleAfter: a lock not refreshed for this long may be taken over
	// (default DefaultStaleAfter). It is refreshed every StaleAfter/4.
	StaleAfter time.Duration
	// Command says what holds the lock, shown to the run that finds it
	// held ("extract mysql orders"). Never put secrets in it. Default: the
	// program's name.
	Command string
	// Logger receives refresh failures (nil: discard).
	Logger *slog.Logger
}

func (o LockOptions) withDefaults() LockOptions {
	if o.StaleAfter <= 0 {
		o.StaleAfter = DefaultStaleAfter
	}
	if o.Command == "" {
		o.Command = filepath.Base(os.Args[0])
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// lockInfo is the content of _lakectl/locks/<name>.json.
type lockInfo struct {
	owner
	Command     string    `json:"command"`
	Created     time.Time `json:"created"`
	Refreshed   time.Time `json:"refreshed"`
	StaleAfterS float64   `json:"stale_after_s"`
}

// Lock is a held lock. It is refreshed in the background until Release;
// if a refresh finds the lock taken over or deleted, or refreshes keep
// failing for StaleAfter, Lost() is closed and the holder should stop.
type Lock struct {
	store lake.Store
	name  string
	opts  LockOptions

	mu      sync.Mutex
	etag    string
	info    lockInfo
	written time.Time // when this holder last wrote the lock (monotonic)

	lost     chan struct{}
	lostOnce sync.Once
	stop     context.CancelFunc
	done     chan struct{}
}

// maxTakeoverAttempts bounds the create/take-over races AcquireLock retries.
const maxTakeoverAttempts = 5

// AcquireLock takes the named lock (_lakectl/locks/<name>.json) or returns
// a *lake.LockedError (exit 75) naming the holder when a live run holds
// it. A stale lock (not refreshed for its StaleAfter, or held by a process
// of this host that is gone) is taken over with If-Match on its ETag, so
// two takers cannot both win. The caller must Release the lock.
func AcquireLock(ctx context.Context, store lake.Store, name string, opts LockOptions) (*Lock, error) {
	if err := validateJob("lock", name); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	key := lockKey(name)
	me := self()
	for attempt := 0; ; attempt++ {
		now := time.Now().UTC()
		info := lockInfo{owner: me, Command: opts.Command, Created: now, Refreshed: now, StaleAfterS: opts.StaleAfter.Seconds()}
		oi, err := lake.PutJSON(ctx, store, key, info, lake.PutOptions{IfNoneMatch: true})
		if err == nil {
			return startLock(store, name, opts, oi.ETag, info), nil
		}
		if !errors.Is(err, lake.ErrPrecondition) {
			return nil, fmt.Errorf("acquire lock %s: %w", name, err)
		}
		cur, etag, err := readLock(ctx, store, key)
		if errors.Is(err, lake.ErrNotExist) {
			continue // released meanwhile: try to create it again
		}
		if err != nil {
			return nil, fmt.Errorf("acquire lock %s: %w", name, err)
		}
		stale := time.Duration(cur.StaleAfterS * float64(time.Second))
		if stale <= 0 {
			stale = opts.StaleAfter
		}
		if !dead(cur.owner, cur.Refreshed, stale, now, me) || attempt >= maxTakeoverAttempts {
			return nil, &lake.LockedError{Lock: name, Owner: describeHolder(cur)}
		}
		oi, err = lake.PutJSON(ctx, store, key, info, lake.PutOptions{IfMatch: etag})
		if err == nil {
			opts.Logger.Info("took over stale lock", "lock", name, "holder", describeHolder(cur))
			return startLock(store, name, opts, oi.ETag, info), nil
		}
		if !errors.Is(err, lake.ErrPrecondition) && !errors.Is(err, lake.ErrNotExist) {
			return nil, fmt.Errorf("take over stale lock %s: %w", name, err)
		}
		// Another run took it over or released it first: look again.
	}
}

func describeHolder(l lockInfo) string {
	s := l.owner.String() + " since " + l.Created.Format(time.RFC3339)
	if l.Command != "" {
		s += " (" + l.Command + ")"
	}
	return s
}

// readLock reads a lock's content and the ETag it had. Content that does
// not decode is a *lake.CorruptError; content without a refresh time
// counts as refreshed at the object's modification time.
func readLock(ctx context.Context, store lake.Store, key string) (lockInfo, string, error) {
	oi, err := store.Stat(ctx, key)
	if err != nil {
		return lockInfo{}, "", err
	}
	rc, err := store.Get(ctx, key)
	if err != nil {
		return lockInfo{}, "", err
	}
	defer rc.Close()
	var li lockInfo
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return lockInfo{}, "", fmt.Errorf("read %s: %w", key, err)
	}
	// lakectl writes a lock whole (one put), so content that does not
	// decode was written by something else: no run holds it, but nothing
	// tells either, so it is reported, and the repair removes it.
	if err := json.Unmarshal(b, &li); err != nil {
		return lockInfo{}, "", &lake.CorruptError{Key: key, Err: err}
	}
	if li.Refreshed.IsZero() {
		li = lockInfo{Refreshed: oi.ModTime, Created: oi.ModTime}
	}
	return li, oi.ETag, nil
}

func startLock(store lake.Store, name string, opts LockOptions, etag string, info lockInfo) *Lock {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lock{store: store, name: name, opts: opts, etag: etag, info: info, written: time.Now(),
		lost: make(chan struct{}), stop: cancel, done: make(chan struct{})}
	go l.refreshLoop(ctx)
	return l
}

// Name is the lock's name.
func (l *Lock) Name() string { return l.name }

// Lost is closed when the lock is no longer held (taken over after a
// missed refresh, deleted, or refreshes failing for StaleAfter).
func (l *Lock) Lost() <-chan struct{} { return l.lost }

func (l *Lock) markLost() { l.lostOnce.Do(func() { close(l.lost) }) }

func (l *Lock) refreshLoop(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.opts.StaleAfter / 4)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := l.refresh(ctx)
		switch {
		case err == nil:
			lastOK = time.Now()
		case ctx.Err() != nil:
			return
		case errors.Is(err, lake.ErrPrecondition) || errors.Is(err, lake.ErrNotExist):
			l.opts.Logger.Warn("lock lost", "lock", l.name, "err", err)
			l.markLost()
			return
		default:
			l.opts.Logger.Warn("refresh lock", "lock", l.name, "err", err)
			if time.Since(lastOK) > l.opts.StaleAfter {
				l.markLost()
				return
			}
		}
	}
}

// refresh rewrites the lock with a new refreshed time, if it is still ours.
func (l *Lock) refresh(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := l.info
	start := time.Now()
	info.Refreshed = start.UTC()
	oi, err := lake.PutJSON(ctx, l.store, lockKey(l.name), info, lake.PutOptions{IfMatch: l.etag})
	if err != nil {
		return err
	}
	l.etag, l.info, l.written = oi.ETag, info, start
	return nil
}

// Release stops refreshing and deletes the lock if it is still this
// holder's. Releasing twice is harmless.
func (l *Lock) Release(ctx context.Context) error {
	l.stop()
	<-l.done
	select {
	case <-l.lost:
		return nil
	default:
	}
	l.markLost()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Another run takes a lock over only once it has gone StaleAfter
	// without a refresh (by that run's clock): written less than half of
	// that ago, it is still this holder's, so it is deleted without a
	// HEAD first (one request less per run; clocks may differ by up to
	// StaleAfter/2).
	if time.Since(l.written) < l.opts.StaleAfter/2 {
		if err := l.store.Delete(ctx, lockKey(l.name)); err != nil {
			return fmt.Errorf("release lock %s: %w", l.name, err)
		}
		return nil
	}
	oi, err := l.store.Stat(ctx, lockKey(l.name))
	if errors.Is(err, lake.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.name, err)
	}
	if oi.ETag != l.etag {
		return nil // taken over: not ours to delete
	}
	if err := l.store.Delete(ctx, lockKey(l.name)); err != nil {
		return fmt.Errorf("release lock %s: %w", l.name, err)
	}
	return nil
}

func isLocked(err error) bool {
	var le *lake.LockedError
	return errors.As(err, &le)
}

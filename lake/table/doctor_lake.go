package table

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// checkStates reports unreadable state caches; the repair sets each aside
// and rebuilds it from the commit records (it is only a cache).
func (d *doctor) checkStates(ctx context.Context) error {
	keys, err := listKeys(ctx, d.store, statePrefix, ".json")
	if err != nil {
		return err
	}
	for _, k := range keys {
		job := strings.TrimSuffix(strings.TrimPrefix(k, statePrefix), ".json")
		if strings.Contains(job, "/") {
			continue // a pending pointer
		}
		var c stateCache
		corrupt, err := isCorrupt(lake.GetJSON(ctx, d.store, k, &c))
		if err != nil && !errors.Is(err, lake.ErrNotExist) {
			return err
		}
		if !corrupt {
			continue
		}
		d.add(Problem{Kind: ProblemUnreadable, Key: k, Detail: "state cache of job " + job + " does not decode",
			Repair: "move it to " + QuarantinePrefix + " and rebuild it from the commit records"},
			func() error {
				if err := d.quarantine(ctx, k); err != nil {
					return err
				}
				if err := RebuildState(ctx, d.store, job); err != nil && !errors.Is(err, lake.ErrNotExist) {
					return err
				}
				return nil
			})
	}
	return nil
}

// checkLocks reports unreadable locks and locks whose holder is gone (not
// refreshed for their stale time, or a process of this host that
// exited); the repair removes them, after restic's unlock.
func (d *doctor) checkLocks(ctx context.Context) error {
	keys, err := listKeys(ctx, d.store, locksPrefix, ".json")
	if err != nil {
		return err
	}
	for _, k := range keys {
		li, etag, err := readLock(ctx, d.store, k)
		corrupt, err := isCorrupt(err)
		switch {
		case errors.Is(err, lake.ErrNotExist):
			continue
		case err != nil:
			return err
		case corrupt:
			d.add(Problem{Kind: ProblemUnreadable, Key: k, Detail: "lock file does not decode; no lakectl run wrote it",
				Repair: "move it to " + QuarantinePrefix}, func() error { return d.quarantine(ctx, k) })
			continue
		}
		stale := time.Duration(li.StaleAfterS * float64(time.Second))
		if stale <= 0 {
			stale = DefaultStaleAfter
		}
		if !dead(li.owner, li.Refreshed, stale, d.now, d.me) {
			continue
		}
		d.add(Problem{Kind: ProblemStaleLock, Key: k, Detail: "held by " + describeHolder(li) + ", which is gone",
			Repair: "remove it"}, func() error { return d.unlock(ctx, k, etag) })
	}
	return nil
}

// unlock deletes a stale lock unless it changed since it was read (taken
// over, or refreshed by a holder that came back).
func (d *doctor) unlock(ctx context.Context, key, etag string) error {
	oi, err := d.store.Stat(ctx, key)
	if errors.Is(err, lake.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if oi.ETag != etag {
		return fmt.Errorf("lock %s changed meanwhile; left alone", key)
	}
	return d.store.Delete(ctx, key)
}

// Unfinished counts the table's transactions that a dead run left (their
// markers unreadable or their owner gone): the next command on the table,
// or a doctor run that repairs, finishes or rolls them back.
func (t *Table) Unfinished(ctx context.Context) (int, error) {
	prefix := metaDir(t.name) + "txns/"
	keys, err := listKeys(ctx, t.store, prefix, ".json")
	if err != nil {
		return 0, err
	}
	n, now, me := 0, time.Now(), self()
	for _, k := range keys {
		var m marker
		corrupt, err := isCorrupt(lake.GetJSON(ctx, t.store, k, &m))
		if errors.Is(err, lake.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if corrupt || deadMarker(m, now, me) {
			n++
		}
	}
	return n, nil
}

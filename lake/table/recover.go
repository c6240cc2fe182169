package table

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// Recovered says what Recover did.
type Recovered struct {
	RolledForward []string `json:"rolled_forward"` // txids whose commit was finished
	RolledBack    []string `json:"rolled_back"`    // txids whose staged files were deleted
}

// Recover finishes or undoes the transactions of dead runs, so that
// tables/<table>/ holds each committed row exactly once and nothing
// uncommitted. Every command runs it before it touches the table. A
// transaction whose owner is alive (same host and its process running
// with a fresh heartbeat, or another host with a fresh heartbeat) is
// never touched.
func (t *Table) Recover(ctx context.Context) (Recovered, error) {
	var res Recovered
	markers, staged, err := t.scanTxns(ctx)
	if err != nil {
		return res, fmt.Errorf("recover table %s: %w", t.name, err)
	}
	me := self()
	now := time.Now()
	var dead, live []marker
	err = t.readMarkers(ctx, markers, func(m marker) error {
		if deadMarker(m, now, me) {
			dead = append(dead, m)
		} else {
			live = append(live, m)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("recover table %s: %w", t.name, err)
	}
	t.mu.Lock()
	t.live, t.recovered = live, true
	t.mu.Unlock()
	for _, m := range dead {
		forward, err := t.settle(ctx, m.TxID, m.Job)
		if err != nil {
			return res, fmt.Errorf("recover table %s: transaction %s: %w", t.name, m.TxID, err)
		}
		if forward {
			res.RolledForward = append(res.RolledForward, m.TxID)
		} else {
			res.RolledBack = append(res.RolledBack, m.TxID)
		}
	}
	orphans, err := t.orphanStaging(ctx, staged, markers)
	if err != nil {
		return res, fmt.Errorf("recover table %s: %w", t.name, err)
	}
	res.RolledBack = append(res.RolledBack, orphans...)
	return res, nil
}

// scanTxns lists the table's in-flight markers (keys) and the txids that
// have staged files. Where requests are billed (S3) it is one listing of
// the table's records after commits/ (staging/ then txns/): staged files
// sort before markers, and a marker is written before its first staged
// file and deleted after its last, so a staged txid listed without its
// marker belongs to a transaction that had ended.
func (t *Table) scanTxns(ctx context.Context) (markers, staged []string, err error) {
	dir := metaDir(t.name)
	each := func(oi lake.ObjectInfo) error {
		rest := strings.TrimPrefix(oi.Key, dir)
		if txid, _, ok := strings.Cut(strings.TrimPrefix(rest, "staging/"), "/"); ok && strings.HasPrefix(rest, "staging/") {
			if len(staged) == 0 || staged[len(staged)-1] != txid {
				staged = append(staged, txid)
			}
		} else if strings.HasPrefix(rest, "txns/") && strings.HasSuffix(rest, ".json") {
			markers = append(markers, oi.Key)
		}
		return nil
	}
	if lake.Requests(t.store) != nil {
		// "commits0" sorts after every "commits/..." key.
		if err := lake.ListFrom(ctx, t.store, dir, dir+"commits0", each); err != nil {
			return nil, nil, fmt.Errorf("list transactions: %w", err)
		}
		return markers, staged, nil
	}
	for _, sub := range []string{"staging/", "txns/"} {
		if err := t.store.List(ctx, dir+sub, each); err != nil {
			return nil, nil, fmt.Errorf("list transactions: %w", err)
		}
	}
	return markers, staged, nil
}

func deadMarker(m marker, now time.Time, me owner) bool {
	return dead(m.owner, m.Heartbeat, m.staleAfter(), now, me)
}

// eachMarker calls fn for every in-flight marker of the table.
func (t *Table) eachMarker(ctx context.Context, fn func(marker) error) error {
	prefix := metaDir(t.name) + "txns/"
	var keys []string
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		if strings.HasSuffix(oi.Key, ".json") {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list transactions: %w", err)
	}
	return t.readMarkers(ctx, keys, fn)
}

// readMarkers reads the markers at keys and calls fn for each, in order;
// a marker deleted meanwhile (its transaction finished) is skipped.
func (t *Table) readMarkers(ctx context.Context, keys []string, fn func(marker) error) error {
	prefix := metaDir(t.name) + "txns/"
	get := func(ctx context.Context, k string) (marker, error) {
		var m marker
		err := lake.GetJSON(ctx, t.store, k, &m)
		return m, err
	}
	return fetchInOrder(ctx, keys, get, func(k string, m marker, err error) error {
		if errors.Is(err, lake.ErrNotExist) {
			return nil // finished meanwhile
		}
		if err != nil {
			return err
		}
		if m.TxID == "" {
			m.TxID = strings.TrimSuffix(strings.TrimPrefix(k, prefix), ".json")
		}
		return fn(m)
	})
}

// settle ends a transaction that will not go on: it claims the txid with
// an aborted commit record; if the transaction had committed first, it
// rolls it forward instead. It reports whether it rolled forward.
func (t *Table) settle(ctx context.Context, txid, job string) (bool, error) {
	claim := &CommitRecord{TxID: txid, Table: t.name, Op: "abort", Job: job, Time: time.Now().UTC(),
		Added: []FileEntry{}, Removed: []string{}, Aborted: true}
	_, err := lake.PutJSON(ctx, t.store, commitKey(t.name, txid), claim, lake.PutOptions{IfNoneMatch: true})
	if err != nil && !errors.Is(err, lake.ErrPrecondition) {
		return false, fmt.Errorf("write abort record: %w", err)
	}
	if err != nil { // a record exists: committed, or aborted before
		rec, err := t.Commit(ctx, txid)
		if err != nil {
			return false, err
		}
		if !rec.Aborted {
			return true, t.finish(ctx, rec, finishOpts{})
		}
	}
	return false, t.rollback(ctx, txid, job)
}

// rollback deletes an uncommitted transaction's staged files, its state
// pointer and its marker. The caller made sure it can never commit.
func (t *Table) rollback(ctx context.Context, txid, job string) error {
	if err := t.deleteAll(ctx, stagingDir(t.name, txid)); err != nil {
		return err
	}
	if job != "" {
		if err := t.store.Delete(ctx, pendingKey(job, txid)); err != nil {
			return err
		}
	}
	return t.store.Delete(ctx, markerKey(t.name, txid))
}

// finishOpts say who finishes a commit.
type finishOpts struct {
	// own: the committing run itself, right after its commit point. It
	// knows that every staged file was added (Move deletes each), and
	// which pending pointers it wrote (pointers); under the job's lock no
	// later commit of its jobs has cached a state, so the cache is written
	// without reading it first. Recovery knows none of this.
	own      bool
	pointers []string
	staged   []string // copied staged files, deleted with the marker
	// crash (tests) stops finish after a named step, as a kill would.
	crash func(string) bool
}

// finish runs the steps after the commit point; each is idempotent, so a
// crash anywhere is finished by running it again.
func (t *Table) finish(ctx context.Context, rec *CommitRecord, fo finishOpts) error {
	publish, src := t.publisher(rec, &fo)
	// Every output is published before any input is deleted; within each
	// step the objects are independent and go inFlight at a time. A
	// simulated crash (tests) stops each step after its first object.
	if fo.crash != nil {
		return t.finishOneByOne(ctx, rec, fo, publish, src)
	}
	dst := make([]string, len(rec.Added))
	for i, e := range rec.Added {
		dst[i] = e.Key
	}
	err := forEach(ctx, dst, func(ctx context.Context, key string) error {
		if err := publish(ctx, src[key], key); err != nil {
			return fmt.Errorf("publish %s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := t.deleteRemoved(ctx, rec.Removed); err != nil {
		return err
	}
	return t.finishRecords(ctx, rec, fo)
}

// publisher returns how rec's files are published and each one's staged
// key. The run's own finish copies where the store batches deletes, and
// deletes the staged copies in the request that deletes the marker (the
// end of finish; fo.staged): once every file is published, a staged copy
// left without a marker is a leftover that Recover deletes.
func (t *Table) publisher(rec *CommitRecord, fo *finishOpts) (func(ctx context.Context, src, dst string) error, map[string]string) {
	staging := stagingDir(t.name, rec.TxID)
	src := make(map[string]string, len(rec.Added))
	for _, e := range rec.Added {
		src[e.Key] = staging + strings.TrimPrefix(e.Key, t.Prefix())
	}
	cp, canCopy := lake.As[lake.Copier](t.store)
	if _, canBatch := lake.As[lake.BatchDeleter](t.store); !fo.own || !canCopy || !canBatch {
		return t.store.Move, src
	}
	for _, e := range rec.Added {
		fo.staged = append(fo.staged, src[e.Key])
	}
	return cp.Copy, src
}

// deleteRemoved deletes a commit's removed files: in batches where the
// store can (lake.BatchDeleter), else, or when a batch fails, one by one.
func (t *Table) deleteRemoved(ctx context.Context, keys []string) error {
	if bd, ok := lake.As[lake.BatchDeleter](t.store); ok && len(keys) > 1 && bd.DeleteKeys(ctx, keys) == nil {
		return nil
	}
	return forEach(ctx, keys, func(ctx context.Context, key string) error {
		if err := t.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("delete removed file %s: %w", key, err)
		}
		return nil
	})
}

// finishOneByOne is finish one object at a time, for crash tests that
// stop it after a named object.
func (t *Table) finishOneByOne(ctx context.Context, rec *CommitRecord, fo finishOpts,
	publish func(ctx context.Context, src, dst string) error, src map[string]string) error {
	stop := fo.crash
	for _, e := range rec.Added {
		if err := publish(ctx, src[e.Key], e.Key); err != nil {
			return fmt.Errorf("publish %s: %w", e.Key, err)
		}
		if stop("move") {
			return nil
		}
	}
	for _, k := range rec.Removed {
		if err := t.store.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete removed file %s: %w", k, err)
		}
		if stop("delete") {
			return nil
		}
	}
	return t.finishRecords(ctx, rec, fo)
}

// finishRecords is the end of finish: the state caches, the pending
// pointers, the staging folder and the marker.
func (t *Table) finishRecords(ctx context.Context, rec *CommitRecord, fo finishOpts) error {
	stop := func(step string) bool { return fo.crash != nil && fo.crash(step) }
	jobs := make([]string, 0, len(rec.State))
	for job := range rec.State {
		jobs = append(jobs, job)
	}
	sort.Strings(jobs)
	for _, job := range jobs {
		if err := writeStateCache(ctx, t.store, job, t.name, rec.TxID, rec.State[job], !fo.own); err != nil {
			return err
		}
		if stop("state") {
			return nil
		}
	}
	pointers := jobs // recovery cannot tell which were written
	if fo.own {
		pointers = fo.pointers
	}
	for _, job := range pointers {
		if err := t.store.Delete(ctx, pendingKey(job, rec.TxID)); err != nil {
			return err
		}
	}
	if stop("unpending") {
		return nil
	}
	// The run's own finish knows its staged files (each added one moved,
	// or copied and in fo.staged); a file it staged and never added is a
	// leftover that the next Recover deletes once the marker is gone.
	if !fo.own {
		if err := t.deleteAll(ctx, stagingDir(t.name, rec.TxID)); err != nil {
			return err
		}
	}
	return t.deleteLast(ctx, fo.staged, markerKey(t.name, rec.TxID))
}

// deleteLast deletes keys and then marker: in one request where the store
// batches deletes (the keys are leftovers once the marker goes, in any
// order), else, or when the batch fails, one by one with the marker last.
func (t *Table) deleteLast(ctx context.Context, keys []string, marker string) error {
	if bd, ok := lake.As[lake.BatchDeleter](t.store); ok && len(keys) > 0 && bd.DeleteKeys(ctx, append(keys, marker)) == nil {
		return nil
	}
	err := forEach(ctx, keys, func(ctx context.Context, key string) error {
		if err := t.store.Delete(ctx, key); err != nil {
			return fmt.Errorf("delete staged file %s: %w", key, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return t.store.Delete(ctx, marker)
}

// deleteAll deletes every object under prefix.
func (t *Table) deleteAll(ctx context.Context, prefix string) error {
	var keys []string
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	return forEach(ctx, keys, t.store.Delete)
}

// orphanStaging deletes the staged files of the txids in staged that had
// no marker among markers (keys) when they were listed. Markers are
// written before any staged file and deleted after all of them, so such
// files are leftovers.
func (t *Table) orphanStaging(ctx context.Context, staged, markers []string) ([]string, error) {
	has := make(map[string]bool, len(markers))
	for _, k := range markers {
		has[k] = true
	}
	var orphans []string
	for _, txid := range staged {
		if !has[markerKey(t.name, txid)] {
			orphans = append(orphans, txid)
		}
	}
	// Each transaction's folder is deleted on its own, inFlight at a time.
	err := forEach(ctx, orphans, func(ctx context.Context, txid string) error {
		return t.deleteAll(ctx, stagingDir(t.name, txid))
	})
	if err != nil {
		return nil, err
	}
	return orphans, nil
}

package table

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// ErrConflict: a transaction tried to remove a file that another
// transaction already removed (or is removing). Nothing was committed;
// Abort and retry from a fresh listing.
var ErrConflict = errors.New("transaction conflict")

// TxOptions describe a transaction.
type TxOptions struct {
	Op  string // OpAppend (default), OpReplace or OpCompact
	Job string // the job running it, e.g. "extract-orders" (may be empty)
	// StaleAfter: when the heartbeat of the in-flight marker is older
	// than this, Recover treats the transaction as dead (default
	// DefaultStaleAfter). The heartbeat is refreshed every StaleAfter/4.
	StaleAfter time.Duration
	Logger     *slog.Logger // nil: discard
	// TableState: Job's runs write only this table and read the job's
	// state with Table.LoadState, which finds a committed state whose
	// cache write was cut short by the transaction's marker (it names the
	// job). So no pointer under _lakectl/state/<job>.pending/ is written
	// for Job: two requests less per commit.
	TableState bool
}

// marker is the in-flight record _lakectl/tables/<table>/txns/<txid>.json.
type marker struct {
	TxID string `json:"txid"`
	Op   string `json:"op"`
	Job  string `json:"job,omitempty"`
	owner
	Started     time.Time `json:"started"`
	Heartbeat   time.Time `json:"heartbeat"`
	StaleAfterS float64   `json:"stale_after_s"`
}

func (m marker) staleAfter() time.Duration {
	if m.StaleAfterS <= 0 {
		return DefaultStaleAfter
	}
	return time.Duration(m.StaleAfterS * float64(time.Second))
}

// Tx is an open transaction on a table. Every Begin must end in Commit or
// Abort; `defer tx.Abort(ctx)` right after Begin is the safe pattern
// (Abort after a successful Commit does nothing). Its methods are safe for
// concurrent use.
type Tx struct {
	tbl  *Table
	id   string
	opts TxOptions

	mu        sync.Mutex
	marker    marker
	added     []FileEntry
	removed   []string
	removedAt map[string]bool
	state     map[string]json.RawMessage
	schema    *schema.Schema
	seq       int
	writers   int  // open writers
	finished  bool // committed or aborted
	committed bool

	stopHeartbeat context.CancelFunc
	heartbeatDone chan struct{}

	// crash, in tests, stops Commit after the named step as a kill would.
	crash func(step string) bool
}

// Begin starts a transaction: it writes the in-flight marker and keeps its
// heartbeat fresh in the background until Commit or Abort.
func (t *Table) Begin(ctx context.Context, opts TxOptions) (*Tx, error) {
	switch opts.Op {
	case "":
		opts.Op = OpAppend
	case OpAppend, OpReplace, OpCompact:
	default:
		return nil, fmt.Errorf("begin transaction on %s: unknown op %q", t.name, opts.Op)
	}
	if opts.Job != "" {
		if err := validateJob("job", opts.Job); err != nil {
			return nil, err
		}
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	now := time.Now().UTC()
	tx := &Tx{tbl: t, id: NewTxID(now), opts: opts, removedAt: make(map[string]bool), state: make(map[string]json.RawMessage)}
	tx.marker = marker{TxID: tx.id, Op: opts.Op, Job: opts.Job, owner: self(),
		Started: now, Heartbeat: now, StaleAfterS: opts.StaleAfter.Seconds()}
	if _, err := lake.PutJSON(ctx, t.store, markerKey(t.name, tx.id), tx.marker, lake.PutOptions{}); err != nil {
		return nil, fmt.Errorf("begin transaction on %s: write marker: %w", t.name, err)
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	tx.stopHeartbeat, tx.heartbeatDone = cancel, make(chan struct{})
	go tx.heartbeat(hctx)
	return tx, nil
}

func (tx *Tx) heartbeat(ctx context.Context) {
	defer close(tx.heartbeatDone)
	t := time.NewTicker(tx.opts.StaleAfter / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		tx.mu.Lock()
		tx.marker.Heartbeat = time.Now().UTC()
		m := tx.marker
		tx.mu.Unlock()
		if _, err := lake.PutJSON(ctx, tx.tbl.store, markerKey(tx.tbl.name, tx.id), m, lake.PutOptions{}); err != nil && ctx.Err() == nil {
			tx.opts.Logger.Warn("refresh transaction heartbeat", "table", tx.tbl.name, "txid", tx.id, "err", err)
		}
	}
}

func (tx *Tx) endHeartbeat() {
	tx.stopHeartbeat()
	<-tx.heartbeatDone
}

// ID is the transaction's txid.
func (tx *Tx) ID() string { return tx.id }

// Table is the table the transaction writes.
func (tx *Tx) Table() *Table { return tx.tbl }

// NewFileKey returns the final key of a new data file of this transaction
// in partition ("" for none, else "col=value[/col2=value2]"):
// tables/<table>/<partition>/part-<txid>-<nnnnn>.parquet. Write the file at
// StagingKey(key), then AddFile it.
func (tx *Tx) NewFileKey(partition string) string {
	tx.mu.Lock()
	n := tx.seq
	tx.seq++
	tx.mu.Unlock()
	return lake.Join(tx.tbl.Prefix(), partition, fileName(tx.id, n))
}

// StagingKey is where the file with final key is written before commit:
// _lakectl/tables/<table>/staging/<txid>/<key relative to tables/<table>/>.
func (tx *Tx) StagingKey(key string) string {
	return stagingDir(tx.tbl.name, tx.id) + strings.TrimPrefix(key, tx.tbl.Prefix())
}

func (tx *Tx) checkOpen() error {
	if tx.finished {
		return fmt.Errorf("transaction %s on %s has already ended", tx.id, tx.tbl.name)
	}
	return nil
}

// AddFile lists a complete file, already written at StagingKey(e.Key), as
// added by the transaction. A zero Size is filled from the store. Lineage
// segments that name compaction outputs are flattened to their leaves.
func (tx *Tx) AddFile(ctx context.Context, e FileEntry) error {
	if !strings.HasPrefix(e.Key, tx.tbl.Prefix()) || !strings.HasSuffix(e.Key, ".parquet") {
		return fmt.Errorf("add file %s to %s: not a .parquet key under %s", e.Key, tx.tbl.name, tx.tbl.Prefix())
	}
	if e.Size == 0 {
		oi, err := tx.tbl.store.Stat(ctx, tx.StagingKey(e.Key))
		if err != nil {
			return fmt.Errorf("add file %s to %s: %w", e.Key, tx.tbl.name, err)
		}
		e.Size = oi.Size
	}
	if e.Partition == "" {
		if dir := path.Dir(strings.TrimPrefix(e.Key, tx.tbl.Prefix())); dir != "." {
			e.Partition = dir
		}
	}
	if len(e.Lineage) > 0 {
		flat := make([]Segment, 0, len(e.Lineage))
		for _, s := range e.Lineage {
			if TxIDOfFile(s.File) == "" {
				// Another tool's file is a leaf: Lineage would only read
				// its footer to return the caller's own segment.
				flat = append(flat, s)
				continue
			}
			segs, err := tx.tbl.Lineage(ctx, s.File)
			if err != nil {
				return fmt.Errorf("add file %s to %s: %w", e.Key, tx.tbl.name, err)
			}
			if len(segs) == 1 && segs[0].File == s.File {
				flat = append(flat, s) // a leaf: keep the caller's row count
				continue
			}
			flat = append(flat, segs...)
		}
		e.Lineage = flat
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.checkOpen(); err != nil {
		return err
	}
	tx.added = append(tx.added, e)
	return nil
}

// addFiles lists files whose entries are complete (from the writer).
func (tx *Tx) addFiles(es ...FileEntry) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.checkOpen(); err != nil {
		return err
	}
	tx.added = append(tx.added, es...)
	return nil
}

// RemoveFile lists a live file (key under tables/<table>/) to be deleted
// when the transaction commits. Removing a key twice counts once.
func (tx *Tx) RemoveFile(key string) error {
	if !strings.HasPrefix(key, tx.tbl.Prefix()) {
		return fmt.Errorf("remove file %s from %s: not a key under %s", key, tx.tbl.name, tx.tbl.Prefix())
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.checkOpen(); err != nil {
		return err
	}
	if !tx.removedAt[key] {
		tx.removedAt[key] = true
		tx.removed = append(tx.removed, key)
	}
	return nil
}

// RemoveLive lists every file live now (tables/<table>/**.parquet) for
// removal: the rest of a replace.
func (tx *Tx) RemoveLive(ctx context.Context) error {
	return tx.tbl.Files(ctx, func(f File) error { return tx.RemoveFile(f.Key) })
}

// SetState records job's new state (any JSON-encodable value, typically
// a watermark). It is stored in the commit record, so the state advances
// exactly when the files do; LoadState returns it after Commit.
func (tx *Tx) SetState(job string, v any) error {
	if err := validateJob("job", job); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode state of job %s: %w", job, err)
	}
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.checkOpen(); err != nil {
		return err
	}
	tx.state[job] = b
	return nil
}

// SetSchema records the lake schema of the added files in the commit
// record (NewWriter does it for the files it writes).
func (tx *Tx) SetSchema(s schema.Schema) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.schema = &s
}

// Added returns the entries added so far.
func (tx *Tx) Added() []FileEntry {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return append([]FileEntry(nil), tx.added...)
}

// Commit makes the transaction's changes visible. It creates the commit
// record (If-None-Match) — the commit point — then moves the staged files
// to tables/, deletes removed files, writes the state cache and deletes
// the marker. An error with Committed() false means nothing changed
// (Abort); with Committed() true the changes are committed and Recover
// finishes what is left.
func (tx *Tx) Commit(ctx context.Context) (*CommitRecord, error) {
	tx.mu.Lock()
	if err := tx.checkOpen(); err != nil {
		tx.mu.Unlock()
		return nil, err
	}
	if tx.writers > 0 {
		tx.mu.Unlock()
		return nil, fmt.Errorf("commit %s on %s: %d writer(s) not closed", tx.id, tx.tbl.name, tx.writers)
	}
	rec := &CommitRecord{TxID: tx.id, Table: tx.tbl.name, Op: tx.opts.Op, Job: tx.opts.Job,
		Added: append([]FileEntry{}, tx.added...), Removed: append([]string{}, tx.removed...), Schema: tx.schema}
	if len(tx.state) > 0 {
		rec.State = make(map[string]json.RawMessage, len(tx.state))
		for k, v := range tx.state {
			rec.State[k] = v
		}
	}
	tx.mu.Unlock()

	if err := tx.commitPoint(ctx, rec); err != nil {
		return nil, err
	}
	tx.mu.Lock()
	tx.finished, tx.committed = true, true
	tx.mu.Unlock()
	tx.endHeartbeat()
	if tx.crashed("record") {
		return rec, nil
	}
	if err := tx.tbl.finish(ctx, rec, finishOpts{own: true, pointers: tx.pointers(rec), crash: tx.crash}); err != nil {
		return rec, fmt.Errorf("commit %s on %s: committed, but publishing failed (the next run's recovery finishes it): %w", tx.id, tx.tbl.name, err)
	}
	return rec, nil
}

func (tx *Tx) crashed(step string) bool { return tx.crash != nil && tx.crash(step) }

// pointers are the jobs whose state rec carries that get a pending
// pointer: all but a TableState job's own, in order.
func (tx *Tx) pointers(rec *CommitRecord) []string {
	jobs := make([]string, 0, len(rec.State))
	for job := range rec.State {
		if !tx.opts.TableState || job != tx.opts.Job {
			jobs = append(jobs, job)
		}
	}
	sort.Strings(jobs)
	return jobs
}

// commitPoint creates the commit record, after the state pointers and,
// for a transaction that removes files, under the table's commit lock
// with a conflict check.
func (tx *Tx) commitPoint(ctx context.Context, rec *CommitRecord) error {
	t := tx.tbl
	for _, job := range tx.pointers(rec) {
		p := pendingState{Table: t.name, TxID: tx.id}
		if _, err := lake.PutJSON(ctx, t.store, pendingKey(job, tx.id), p, lake.PutOptions{}); err != nil {
			return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
		}
	}
	if tx.crashed("pending") {
		return fmt.Errorf("commit %s: simulated crash", tx.id)
	}
	// The staged files and state pointers reach the disk before the
	// commit record that names them; before the commit lock too, so that
	// concurrent commits (a compaction's partitions) do not sync one
	// after another under it.
	if err := lake.Sync(ctx, t.store); err != nil {
		return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
	}
	if len(rec.Removed) > 0 {
		leave, err := enterGate(ctx, t.store.URL(lockKey(commitLockName(t.name))))
		if err != nil {
			return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
		}
		defer leave()
		lock, err := waitLock(ctx, t.store, commitLockName(t.name), tx.opts.StaleAfter)
		if err != nil {
			return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
		}
		defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
		if err := t.checkRemovable(ctx, tx.id, rec.Removed); err != nil {
			return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
		}
	}
	rec.Time = time.Now().UTC()
	_, err := lake.PutJSON(ctx, t.store, commitKey(t.name, tx.id), rec, lake.PutOptions{IfNoneMatch: true})
	if errors.Is(err, lake.ErrPrecondition) {
		return fmt.Errorf("commit %s on %s: recovery rolled the transaction back because its heartbeat went stale: %w", tx.id, t.name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("commit %s on %s: %w", tx.id, t.name, err)
	}
	return nil
}

// gates serialize, within this process, the holders of one lock (by the
// lock object's URL), so that concurrent transactions of one run (the
// partitions of a compaction) queue here instead of polling the store
// with backoff for a lock their own process holds.
var gates sync.Map // string -> chan struct{}

// enterGate waits for the process's turn at the lock at url; the caller
// calls leave after releasing the lock.
func enterGate(ctx context.Context, url string) (leave func(), err error) {
	g, _ := gates.LoadOrStore(url, make(chan struct{}, 1))
	gate := g.(chan struct{})
	select {
	case gate <- struct{}{}:
		return func() { <-gate }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for lock %s: %w", url, ctx.Err())
	}
}

// waitLock acquires a short-held lock, waiting while another holds it.
func waitLock(ctx context.Context, store lake.Store, name string, stale time.Duration) (*Lock, error) {
	delay := 20 * time.Millisecond
	for {
		l, err := AcquireLock(ctx, store, name, LockOptions{StaleAfter: stale, Command: "commit"})
		if err == nil {
			return l, nil
		}
		if !isLocked(err) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for lock %s: %w", name, ctx.Err())
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

// checkRemovable fails with ErrConflict when a key to remove is gone, or is
// removed or added by another committed transaction that has not finished
// yet. The
// caller holds the commit lock, so every such transaction committed
// earlier. Markers are scanned before the keys are checked: a committed
// transaction's marker disappears only after its removed files did, so one
// of the two checks sees it.
func (t *Table) checkRemovable(ctx context.Context, self string, keys []string) error {
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	// The markers' names are their txids: only the commit records are read.
	prefix := metaDir(t.name) + "txns/"
	var others []string
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		txid, ok := strings.CutSuffix(strings.TrimPrefix(oi.Key, prefix), ".json")
		if ok && txid != self && validTxID(txid) {
			others = append(others, txid)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list transactions: %w", err)
	}
	err = fetchInOrder(ctx, others, t.Commit, func(txid string, rec *CommitRecord, err error) error {
		if errors.Is(err, lake.ErrNotExist) {
			return nil // not committed: it commits after this one, if ever
		}
		if err != nil {
			return err
		}
		if rec.Aborted {
			return nil
		}
		for _, k := range rec.Removed {
			if want[k] {
				return fmt.Errorf("file %s is removed by transaction %s too: %w", k, txid, ErrConflict)
			}
		}
		// Until its marker goes, a committed transaction's staged copy of
		// a file may be published again by recovery: removing the file
		// now could bring it back.
		for _, e := range rec.Added {
			if want[e.Key] {
				return fmt.Errorf("file %s is still being published by transaction %s: %w", e.Key, txid, ErrConflict)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return t.checkLive(ctx, keys)
}

// checkLive fails with ErrConflict when a key is gone. Keys that share
// folders are checked by listing the folders (one request per 1,000 keys
// instead of one per key), the others one HEAD each, inFlight at a time.
func (t *Table) checkLive(ctx context.Context, keys []string) error {
	gone := func(k string) error {
		return fmt.Errorf("file %s to remove is no longer live: %w", k, ErrConflict)
	}
	dirs := map[string]bool{}
	for _, k := range keys {
		dirs[path.Dir(k)+"/"] = true
	}
	if len(dirs)*2 > len(keys) {
		return forEach(ctx, keys, func(ctx context.Context, k string) error {
			if _, err := t.store.Stat(ctx, k); err != nil {
				if errors.Is(err, lake.ErrNotExist) {
					return gone(k)
				}
				return err
			}
			return nil
		})
	}
	want := make(map[string]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	var mu sync.Mutex
	live := make(map[string]bool, len(keys))
	err := forEach(ctx, slices.Sorted(maps.Keys(dirs)), func(ctx context.Context, dir string) error {
		return t.store.List(ctx, dir, func(oi lake.ObjectInfo) error {
			if want[oi.Key] {
				mu.Lock()
				live[oi.Key] = true
				mu.Unlock()
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if !live[k] {
			return gone(k)
		}
	}
	return nil
}

// Abort ends an uncommitted transaction: it deletes its staged files and
// its marker. After Commit it does nothing.
func (tx *Tx) Abort(ctx context.Context) error {
	tx.mu.Lock()
	if tx.finished {
		tx.mu.Unlock()
		return nil
	}
	tx.finished = true
	tx.mu.Unlock()
	tx.endHeartbeat()
	ctx = context.WithoutCancel(ctx) // clean up even when the run was interrupted
	t := tx.tbl
	// settle, not rollback: if a Commit whose answer was lost did create
	// the record, the transaction is committed and must be finished.
	forward, err := t.settle(ctx, tx.id, tx.opts.Job)
	if err != nil {
		return fmt.Errorf("abort %s on %s: %w", tx.id, t.name, err)
	}
	if forward {
		tx.opts.Logger.Warn("transaction to abort had committed; finished it instead", "table", t.name, "txid", tx.id)
	}
	return nil
}

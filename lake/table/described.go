package table

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// Described is what its commit record says about a live file lakectl
// wrote: the record's entry of the file (without its lineage) and, when
// the entry's fingerprint is the record's schema's, that schema.
type Described struct {
	FileEntry
	Schema *schema.Schema // nil when the record's schema is not the file's
	// Complete says the record tells all its footer would: the schema
	// and the maximum byte lengths (records of earlier versions lack the
	// latter where the schema has string, JSON or bytes columns).
	Complete bool
}

// Describe reads the commit records of the lakectl files among files
// (one GET per record, inFlight at a time)
// and returns, by key, what they say about each file they list with the
// file's listed size. Only the entries asked for are kept: records are
// not cached, as a lake's first crawl reads all of them. Other tools' files, files whose record is gone,
// aborted, unreadable or does not list them, and files whose size differs
// from the record's (rewritten under the same key by another tool) are
// not described: only their footers tell.
func (t *Table) Describe(ctx context.Context, files []File) (map[string]Described, error) {
	d := t.NewDescriber(ctx)
	for _, f := range files {
		d.Add(f)
	}
	out, _, err := d.Wait()
	return out, err
}

// Describer is Describe for files still being listed: the record of a
// file's commit is read (inFlight at a time, once per commit) as soon as
// the file is added, so that the reads overlap the listing instead of
// following it. Add is called from one goroutine, never after Wait;
// Wait ends it.
type Describer struct {
	t      *Table
	ctx    context.Context
	cancel context.CancelFunc
	g      *errgroup.Group
	wake   chan struct{} // a txid was queued; closed by Wait

	mu      sync.Mutex
	want    map[string]int64     // key -> listed size
	txids   map[string]bool      // queued or read (true: read)
	queue   []string             // txids not yet taken by a reader
	out     map[string]Described // the entries of added files
	later   map[string]Described // entries of records read before their file was added
	records int
	waiting bool // Wait was called
}

// NewDescriber starts a describer; call Wait to end it.
func (t *Table) NewDescriber(ctx context.Context) *Describer {
	ctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(ctx)
	d := &Describer{t: t, ctx: gctx, cancel: cancel, g: g, wake: make(chan struct{}, 1),
		want: map[string]int64{}, txids: map[string]bool{}, out: map[string]Described{}, later: map[string]Described{}}
	return d
}

// Add asks for file f. Files other than lakectl's are ignored.
func (d *Describer) Add(f File) {
	txid := TxIDOfFile(f.Key)
	if txid == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.want[f.Key] = f.Size
	read, seen := d.txids[txid]
	switch {
	case read:
		if e, ok := d.later[f.Key]; ok {
			delete(d.later, f.Key)
			if e.Size == f.Size {
				d.out[f.Key] = e
			}
		}
	case !seen:
		d.txids[txid] = false
		d.queue = append(d.queue, txid)
		if d.records++; d.records <= inFlight {
			d.g.Go(d.reader)
		}
		d.signal()
	}
}

// signal wakes a reader (d.mu held).
func (d *Describer) signal() {
	if d.waiting {
		return // wake is closed: every reader is awake
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// reader reads the queued records until Wait and the queue is empty.
func (d *Describer) reader() error {
	for {
		d.mu.Lock()
		for len(d.queue) == 0 {
			d.mu.Unlock()
			select {
			case _, open := <-d.wake:
				if !open {
					d.mu.Lock()
					if len(d.queue) == 0 {
						d.mu.Unlock()
						return nil
					}
					d.mu.Unlock()
				}
			case <-d.ctx.Done():
				return d.ctx.Err()
			}
			d.mu.Lock()
		}
		txid := d.queue[0]
		d.queue = d.queue[1:]
		if len(d.queue) > 0 {
			d.signal() // another reader takes the next one
		}
		d.mu.Unlock()
		if err := d.read(txid); err != nil {
			return err
		}
	}
}

// read reads txid's record and keeps its entries of wanted files (of
// files not added yet, for Add to find).
func (d *Describer) read(txid string) error {
	rec, err := d.t.readCommit(d.ctx, txid)
	if errors.Is(err, lake.ErrNotExist) || errors.Is(err, lake.ErrCorrupt) || (err == nil && rec.Aborted) {
		rec, err = &CommitRecord{}, nil
	}
	if err != nil {
		return fmt.Errorf("describe files of table %s: %w", d.t.name, err)
	}
	s := rec.Schema
	if s != nil && s.Validate() != nil {
		s = nil
	}
	fp := ""
	if s != nil {
		fp = s.Fingerprint()
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.txids[txid] = true
	for _, e := range rec.Added {
		if TxIDOfFile(e.Key) != txid {
			continue
		}
		e.Lineage = nil
		desc := Described{FileEntry: e}
		if s != nil && fp == e.SchemaFingerprint {
			desc.Schema = s
			desc.Complete = e.MaxBytes != nil || !parquetfile.HasMaxBytes(*s)
		}
		size, ok := d.want[e.Key]
		switch {
		case !ok:
			d.later[e.Key] = desc
		case size == e.Size:
			d.out[e.Key] = desc
		}
	}
	return nil
}

// Wait waits for the records of the files added and returns what they
// say by key (as Describe) and how many records were read. The first
// error reading a record stops the others and is returned.
func (d *Describer) Wait() (map[string]Described, int, error) {
	d.mu.Lock()
	d.waiting = true
	close(d.wake)
	d.mu.Unlock()
	err := d.g.Wait()
	d.cancel()
	if err != nil {
		return nil, 0, err
	}
	d.later = nil
	return d.out, d.records, nil
}

// readCommit returns the record of txid, cached or read, without caching
// it.
func (t *Table) readCommit(ctx context.Context, txid string) (*CommitRecord, error) {
	t.mu.Lock()
	rec, ok := t.commits[txid]
	t.mu.Unlock()
	if ok {
		return rec, nil
	}
	rec = new(CommitRecord)
	if err := lake.GetJSON(ctx, t.store, commitKey(t.name, txid), rec); err != nil {
		return nil, fmt.Errorf("read commit %s of table %s: %w", txid, t.name, err)
	}
	return rec, nil
}

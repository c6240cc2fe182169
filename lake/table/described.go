package table

import (
	"context"
	"errors"
	"fmt"
	"sync"

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
	want := map[string]int64{} // key -> listed size
	var txids []string
	seen := map[string]bool{}
	for _, f := range files {
		txid := TxIDOfFile(f.Key)
		if txid == "" {
			continue
		}
		want[f.Key] = f.Size
		if !seen[txid] {
			seen[txid] = true
			txids = append(txids, txid)
		}
	}
	var (
		mu  sync.Mutex
		out = make(map[string]Described, len(want))
	)
	err := forEach(ctx, txids, func(ctx context.Context, txid string) error {
		rec, err := t.readCommit(ctx, txid)
		if errors.Is(err, lake.ErrNotExist) || errors.Is(err, lake.ErrCorrupt) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("describe files of table %s: %w", t.name, err)
		}
		if rec.Aborted {
			return nil
		}
		s := rec.Schema
		if s != nil && s.Validate() != nil {
			s = nil
		}
		fp := ""
		if s != nil {
			fp = s.Fingerprint()
		}
		mu.Lock()
		defer mu.Unlock()
		for _, e := range rec.Added {
			size, ok := want[e.Key]
			if !ok || size != e.Size || TxIDOfFile(e.Key) != txid {
				continue
			}
			e.Lineage = nil
			d := Described{FileEntry: e}
			if s != nil && fp == e.SchemaFingerprint {
				d.Schema = s
				d.Complete = e.MaxBytes != nil || !parquetfile.HasMaxBytes(*s)
			}
			out[e.Key] = d
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
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

package table

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/lakectl/lakectl/lake"
)

// Table is one table of the lake: tables/<name>/ and its records under
// _lakectl/tables/<name>/. It is safe for concurrent use.
type Table struct {
	store lake.Store
	name  string

	mu      sync.Mutex
	commits map[string]*CommitRecord // read-only records by txid, for Lineage
	// live are the markers the last Recover left alone (owner alive), for
	// LoadState; recovered says Recover ran.
	live      []marker
	recovered bool
	reading   singleflight.Group // commit records being read, by txid
}

// Open returns the table called name in the lake. It does no I/O; a table
// exists once a transaction has committed files to it. A bad name is a
// usage error.
func Open(store lake.Store, name string) (*Table, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	return &Table{store: store, name: name, commits: make(map[string]*CommitRecord)}, nil
}

// Name is the table's name.
func (t *Table) Name() string { return t.name }

// Store is the lake the table lives in.
func (t *Table) Store() lake.Store { return t.store }

// Prefix is the key prefix of the table's live files, "tables/<name>/".
func (t *Table) Prefix() string { return TablePrefix(t.name) }

// Commit reads the commit record of txid. It wraps lake.ErrNotExist when
// there is none. Records are cached: they never change once written.
func (t *Table) Commit(ctx context.Context, txid string) (*CommitRecord, error) {
	t.mu.Lock()
	rec, ok := t.commits[txid]
	t.mu.Unlock()
	if ok {
		return rec, nil
	}
	if !validTxID(txid) {
		return nil, fmt.Errorf("read commit %q of table %s: not a transaction id: %w", txid, t.name, lake.ErrNotExist)
	}
	// Concurrent readers of one record (the partitions of a compaction
	// flattening lineage) share its GET.
	v, err, _ := t.reading.Do(txid, func() (any, error) {
		rec := new(CommitRecord)
		if err := lake.GetJSON(ctx, t.store, commitKey(t.name, txid), rec); err != nil {
			return nil, fmt.Errorf("read commit %s of table %s: %w", txid, t.name, err)
		}
		t.mu.Lock()
		t.commits[txid] = rec
		t.mu.Unlock()
		return rec, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*CommitRecord), nil
}

// Commits calls fn for every commit record of the table in txid order
// (start time), aborted ones excluded.
func (t *Table) Commits(ctx context.Context, fn func(*CommitRecord) error) error {
	prefix := metaDir(t.name) + "commits/"
	var txids []string
	err := t.store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		txid, ok := strings.CutSuffix(strings.TrimPrefix(oi.Key, prefix), ".json")
		if ok && validTxID(txid) {
			txids = append(txids, txid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The records are read inFlight ahead and handed on in txid order.
	return fetchInOrder(ctx, txids, t.Commit, func(_ string, rec *CommitRecord, err error) error {
		if errors.Is(err, lake.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Aborted {
			return nil
		}
		return fn(rec)
	})
}

// List returns the names of the tables that have live files, sorted.
func List(ctx context.Context, store lake.Store) ([]string, error) {
	var names []string
	err := store.List(ctx, tablesPrefix, func(oi lake.ObjectInfo) error {
		rest := strings.TrimPrefix(oi.Key, tablesPrefix)
		name, file, ok := strings.Cut(rest, "/")
		if !ok || !strings.HasSuffix(file, ".parquet") || ValidateName(name) != nil {
			return nil
		}
		// Keys of one table are contiguous in lexical order.
		if len(names) == 0 || names[len(names)-1] != name {
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return names, nil
}

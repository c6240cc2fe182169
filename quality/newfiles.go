package quality

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/table"
)

// newFile is a live file with rows not yet checked. Rows counts only the
// unchecked rows (a compaction output holding checked and unchecked leaves
// counts the unchecked ones), for row_count.
type newFile struct {
	table.File
	Rows int64
}

// delta is what changed in a table since the last passing check, and the
// marks to remember if this check passes.
type delta struct {
	files      []newFile
	live       int // live files listed
	through    string
	unfinished []string
	foreign    map[string]string
}

// findNew lists the table's live files once and keeps those not checked
// yet: lakectl files by the txid in their name (commit records are read
// only for new txids), other tools' files by key and ETag. In-flight
// transactions are listed first so none can commit below the new mark
// unseen.
func findNew(ctx context.Context, tbl *table.Table, st *State) (*delta, error) {
	start := time.Now()
	inflight, err := tbl.InFlight(ctx)
	if err != nil {
		return nil, fmt.Errorf("list transactions of table %s: %w", tbl.Name(), err)
	}
	d := &delta{through: st.Through, unfinished: inflight, foreign: map[string]string{}}
	isNew := func(txid string) bool {
		return txid > st.Through || slices.Contains(st.Unfinished, txid)
	}
	var newest string
	// The listing picks the new files; their commit records (one per
	// commit) and other tools' footers are read after it, readAhead at a
	// time, in listing order.
	var picked []table.File
	err = tbl.Files(ctx, func(f table.File) error {
		d.live++
		txid := table.TxIDOfFile(f.Key)
		newest = max(newest, txid)
		if txid == "" {
			d.foreign[f.Key] = f.ETag
			if st.Foreign[f.Key] != f.ETag {
				picked = append(picked, f)
			}
			return nil
		}
		if isNew(txid) {
			picked = append(picked, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	type found struct {
		nf    newFile
		fresh bool // it has unchecked rows
	}
	read := func(ctx context.Context, f table.File) (found, error) {
		if table.TxIDOfFile(f.Key) == "" {
			ft, err := parquetfile.ReadFooterFrom(ctx, tbl.Store(), f.Key, f.Size)
			return found{newFile{File: f, Rows: ft.Rows}, true}, err
		}
		// Table.Commit reads each record once for all its files.
		rows, fresh, err := uncheckedRows(ctx, tbl, f, table.TxIDOfFile(f.Key), isNew, st.Foreign)
		return found{newFile{File: f, Rows: rows}, fresh}, err
	}
	err = inorder.Fetch(ctx, picked, readAhead, read, func(_ table.File, r found, err error) error {
		if err == nil && r.fresh {
			d.files = append(d.files, r.nf)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// The new mark is the newest txid seen, capped by this host's clock at
	// the start: a transaction not listed as in flight then began after
	// the start, and sorts above both unless writers' clocks disagree by
	// more than the time between their commits.
	if newest != "" {
		d.through = min(newest, start.UTC().Format("20060102T150405.000000Z"))
	}
	return d, nil
}

// readAhead is how many commit records and footers findNew reads at once.
const readAhead = 16

// uncheckedRows is the number of rows of a file from a new commit that no
// passing check has read: all of them, except for a compaction output,
// whose rows are those of its leaves that are new themselves.
func uncheckedRows(ctx context.Context, tbl *table.Table, f table.File, txid string, isNew func(string) bool, foreign map[string]string) (int64, bool, error) {
	rec, err := tbl.Commit(ctx, txid)
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return 0, false, err
	}
	if err == nil {
		for _, e := range rec.Added {
			if e.Key != f.Key {
				continue
			}
			if rec.Op != table.OpCompact || len(e.Lineage) == 0 {
				return e.Rows, true, nil
			}
			var n int64
			fresh := false
			for _, s := range e.Lineage {
				lt := table.TxIDOfFile(s.File)
				if (lt != "" && isNew(lt)) || (lt == "" && foreign[s.File] == "") {
					n, fresh = n+s.Rows, true
				}
			}
			return n, fresh, nil
		}
	}
	ft, err := parquetfile.ReadFooterFrom(ctx, tbl.Store(), f.Key, f.Size)
	if err != nil {
		return 0, false, err
	}
	return ft.Rows, true, nil
}

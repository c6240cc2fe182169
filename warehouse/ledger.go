package warehouse

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// The ledger: lakectl_loads holds one row per (target, loaded file, leaf)
// — a leaf is a file written by an extract (lake lineage); a file that is
// its own leaf has leaf_key = file_key. It is written in the transaction
// that loads the data, so it says exactly what the target holds.
// lakectl_targets holds the lake schema each target was last loaded with.
const (
	ledgerTable  = "lakectl_loads"
	targetsTable = "lakectl_targets"
	// ledgerBatch bounds the VALUES tuples of one ledger INSERT.
	ledgerBatch = 500
)

// coverage is what the ledger says a target holds: the live files loaded
// and the leaves whose rows are in the target.
type coverage struct {
	files  map[string]bool
	leaves map[string]bool
}

func newCoverage() coverage {
	return coverage{files: map[string]bool{}, leaves: map[string]bool{}}
}

type querier func(ctx context.Context, sql string, args []any, fn func(scan func(dest ...any) error) error) error

// readCoverage reads the ledger rows of one target.
func readCoverage(ctx context.Context, q querier, wh driver.Warehouse, st *driver.Statement) (coverage, error) {
	cov := newCoverage()
	sql, err := wh.SQL("ledger_select", st)
	if err != nil {
		return cov, err
	}
	err = q(ctx, sql, nil, func(scan func(...any) error) error {
		var file, leaf string
		if err := scan(&file, &leaf); err != nil {
			return err
		}
		cov.files[file] = true
		cov.leaves[leaf] = true
		return nil
	})
	if err != nil {
		return cov, fmt.Errorf("read load ledger of %s: %w", st.TargetKey, err)
	}
	return cov, nil
}

// ledgerRow is one row of lakectl_loads, rendered as SQL literals in the
// column order of the ledger_insert template.
type ledgerRow struct {
	target, file, leaf, partition, etag, fingerprint, loadID string
	size, rows                                               int64
}

func (r ledgerRow) literals(lit func(string) string) []string {
	return []string{
		lit(r.target), lit(r.file), lit(r.leaf),
		lit(r.partition), strconv.FormatInt(r.size, 10), lit(r.etag),
		strconv.FormatInt(r.rows, 10), lit(r.fingerprint), lit(r.loadID),
	}
}

// ledgerInserts renders the INSERT statements of the ledger rows.
func ledgerInserts(wh driver.Warehouse, base driver.Statement, rows []ledgerRow) ([]string, error) {
	var out []string
	for start := 0; start < len(rows); start += ledgerBatch {
		end := min(start+ledgerBatch, len(rows))
		st := base
		st.Rows = make([][]string, 0, end-start)
		for _, r := range rows[start:end] {
			st.Rows = append(st.Rows, r.literals(driver.LiteralFor(wh)))
		}
		sql, err := wh.SQL("ledger_insert", &st)
		if err != nil {
			return nil, err
		}
		out = append(out, sql)
	}
	return out, nil
}

// lockID is the advisory lock number of a target (PostgreSQL).
func lockID(target string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("lakectl-load:" + target))
	return int64(h.Sum64() & 0x7fffffffffffffff)
}

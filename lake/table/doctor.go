package table

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// Kinds of Problem, as `lake doctor` reports them.
const (
	ProblemUnreadable    = "unreadable_record" // a record that does not decode
	ProblemUnfinished    = "unfinished_commit" // a dead run's transaction, readers unaffected
	ProblemTorn          = "torn_table"        // a dead run's commit half published: readers see both snapshots, or miss rows
	ProblemStaleLock     = "stale_lock"        // a lock whose holder is gone
	ProblemOrphanStaging = "orphan_staging"    // staged files of no transaction
)

// QuarantinePrefix is where the repair moves unreadable records, under
// their own key, so nothing is lost and a person can look at them.
const QuarantinePrefix = metaPrefix + "quarantine/"

// Problem is one thing wrong with the lake's bookkeeping.
type Problem struct {
	Kind     string `json:"kind"`
	Table    string `json:"table,omitempty"`
	Key      string `json:"key"`
	TxID     string `json:"txid,omitempty"`
	Detail   string `json:"detail"`
	Repair   string `json:"repair"` // what the repair does (or did)
	Repaired bool   `json:"repaired"`
	Error    string `json:"error,omitempty"` // why the repair failed
}

// DoctorOptions select what Doctor checks and whether it repairs.
type DoctorOptions struct {
	// Tables limits the table checks (empty: every table). Locks and
	// state caches are always checked: they are few and lake-wide.
	Tables []string
	// Repair finishes or rolls back dead runs' transactions, moves
	// unreadable records to QuarantinePrefix, rebuilds state caches from
	// the commit records and removes stale locks and orphan staged files.
	Repair bool
	Logger *slog.Logger // nil: discard
}

// DoctorReport is what Doctor found and did. Its fields are shaped like
// other reports' (quality's, catalog's) but are lake doctor's JSON contract.
type DoctorReport struct {
	Tables     []string  `json:"tables"`
	Problems   []Problem `json:"problems"`
	Repaired   int       `json:"repaired"`
	Unrepaired int       `json:"unrepaired"`
	DurationS  float64   `json:"duration_s"`
}

// doctor carries one Doctor run.
type doctor struct {
	store lake.Store
	opts  DoctorOptions
	now   time.Time
	me    owner
	rep   *DoctorReport
}

// Doctor checks the lake's bookkeeping, after restic's check, repair and
// unlock: unreadable records, dead runs' transactions (and tables they
// leave torn), stale locks and orphan staged files; with opts.Repair it
// fixes each. A transaction whose run is alive is never touched. It
// returns an error only when the lake cannot be read; problems, repaired
// or not, are in the report.
func Doctor(ctx context.Context, store lake.Store, opts DoctorOptions) (*DoctorReport, error) {
	start := time.Now()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &doctor{store: store, opts: opts, now: start, me: self(), rep: &DoctorReport{Problems: []Problem{}}}
	names := opts.Tables
	if len(names) == 0 {
		var err error
		if names, err = allTables(ctx, store); err != nil {
			return nil, err
		}
	}
	d.rep.Tables = names
	for _, name := range names {
		tbl, err := Open(store, name)
		if err != nil {
			return nil, err
		}
		if err := d.checkTable(ctx, tbl); err != nil {
			return nil, err
		}
	}
	if err := d.checkStates(ctx); err != nil {
		return nil, err
	}
	if err := d.checkLocks(ctx); err != nil {
		return nil, err
	}
	d.rep.DurationS = time.Since(start).Seconds()
	return d.rep, nil
}

// add records a problem and, under Repair, runs fix.
func (d *doctor) add(p Problem, fix func() error) {
	if d.opts.Repair && fix != nil {
		if err := fix(); err != nil {
			p.Error = err.Error()
		} else {
			p.Repaired = true
		}
	}
	if p.Repaired {
		d.rep.Repaired++
	} else {
		d.rep.Unrepaired++
	}
	d.opts.Logger.Info("lake doctor", "kind", p.Kind, "record", p.Key, "repaired", p.Repaired)
	d.rep.Problems = append(d.rep.Problems, p)
}

// quarantine moves an unreadable record out of the way, keeping it.
func (d *doctor) quarantine(ctx context.Context, key string) error {
	dst := QuarantinePrefix + d.now.UTC().Format("20060102T150405Z") + "/" + key
	if err := d.store.Move(ctx, key, dst); err != nil {
		return fmt.Errorf("quarantine %s: %w", key, err)
	}
	return nil
}

// allTables lists tables with live files or bookkeeping, sorted.
func allTables(ctx context.Context, store lake.Store) ([]string, error) {
	names, err := List(ctx, store)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	prefix := metaPrefix + "tables/"
	err = store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		name, _, _ := strings.Cut(strings.TrimPrefix(oi.Key, prefix), "/")
		if !seen[name] && ValidateName(name) == nil {
			seen[name] = true
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	sort.Strings(names)
	return names, nil
}

// listKeys returns the keys under prefix ending in suffix.
func listKeys(ctx context.Context, store lake.Store, prefix, suffix string) ([]string, error) {
	var keys []string
	err := store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		if strings.HasSuffix(oi.Key, suffix) {
			keys = append(keys, oi.Key)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	return keys, nil
}

// isCorrupt tells an unreadable record from an error reading the lake.
func isCorrupt(err error) (bool, error) {
	if errors.Is(err, lake.ErrCorrupt) {
		return true, nil
	}
	return false, err
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// CheckResult is the outcome of catalog check.
type CheckResult struct {
	Tables    []TableCheck `json:"tables"`
	Breaking  bool         `json:"breaking"`
	DurationS float64      `json:"duration_s"`
}

// TableCheck compares one table's live files with its latest version
// (Live) and the latest version with the one before (Recorded). Other
// reports have fields of the same shape, not the same meaning: each is its
// command's JSON contract, so none is shared.
type TableCheck struct {
	Table    string   `json:"table"`
	Version  int      `json:"version"`
	Live     []Change `json:"live"`
	Recorded []Change `json:"recorded"`
	Breaking bool     `json:"breaking"`
	Note     string   `json:"note,omitempty"`
	// NotCrawled: the table has no recorded version yet (the command
	// layer adds how to record one to the note).
	NotCrawled bool `json:"-"`
}

// CheckOptions tune a check.
type CheckOptions struct {
	// PartitionTypes: as CrawlOptions.PartitionTypes.
	PartitionTypes map[string]map[string]schema.Type
}

// Check compares, for each table (every table when tables is empty), the
// schema of its live files with the latest recorded version, and that
// version with the one before. It records nothing. When a change is
// breaking it returns the result and a *schema.BreakingChangeError (exit
// 3) naming each breaking column and why. Live files that do not unify
// make it return a *ConflictError (also breaking); a table whose live
// files use two partition layouts is breaking too.
func Check(ctx context.Context, store lake.Store, tables []string, options ...CheckOptions) (*CheckResult, error) {
	var opts CheckOptions
	if len(options) > 0 {
		opts = options[0]
	}
	start := time.Now()
	if len(tables) == 0 {
		var err error
		if tables, err = table.List(ctx, store); err != nil {
			return nil, err
		}
	}
	res := &CheckResult{Tables: make([]TableCheck, 0, len(tables))}
	var (
		lines    []string
		breaking []string
		errs     []error
	)
	// Tables are checked tablesAtOnce at a time, in order (as a crawl).
	type checked struct {
		tc  TableCheck
		err error
	}
	check := func(ctx context.Context, name string) (checked, error) {
		tc, err := checkTable(ctx, store, name, opts.PartitionTypes[name])
		return checked{tc, err}, nil
	}
	err := inorder.Fetch(ctx, tables, tablesAtOnce, check, func(name string, c checked, _ error) error {
		tc, err := c.tc, c.err
		var conflict *ConflictError
		if errors.As(err, &conflict) {
			res.Tables, res.Breaking = append(res.Tables, tc), true
		}
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		res.Tables = append(res.Tables, tc)
		if !tc.Breaking {
			return nil
		}
		res.Breaking = true
		breaking = append(breaking, name)
		for _, c := range tc.Live {
			if c.Breaking {
				lines = append(lines, prefixTable(len(tables), name, "live files vs version", tc.Version, c))
			}
		}
		for _, c := range tc.Recorded {
			if c.Breaking {
				lines = append(lines, prefixTable(len(tables), name, "version", tc.Version, c))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.DurationS = time.Since(start).Seconds()
	if len(lines) > 0 {
		errs = append(errs, &schema.BreakingChangeError{Table: strings.Join(breaking, ", "), Changes: lines})
	}
	return res, joinErrors(errs)
}

func prefixTable(n int, table, what string, version int, c Change) string {
	s := c.String()
	if what == "version" {
		s = fmt.Sprintf("version %d vs %d", version, version-1) + ": " + s
	} else {
		s = fmt.Sprintf("%s %d: %s", what, version, s)
	}
	if n > 1 {
		s = table + ": " + s
	}
	return s
}

func checkTable(ctx context.Context, store lake.Store, name string, types map[string]schema.Type) (TableCheck, error) {
	tc := TableCheck{Table: name, Live: []Change{}, Recorded: []Change{}}
	if err := validTable(name); err != nil {
		return tc, err
	}
	st, err := loadState(ctx, store, name)
	if err != nil {
		return tc, err
	}
	latest := st.latest
	if latest == nil {
		tc.Note, tc.NotCrawled = "no recorded schema version yet", true
		return checkUnrecorded(ctx, store, name, tc, st, types)
	}
	tc.Version = latest.N
	if latest.N > 1 {
		prev, err := Get(ctx, store, name, latest.N-1)
		if err != nil {
			return tc, err
		}
		tc.Recorded = compareVersions(prev, latest)
	}
	l, err := listTable(ctx, store, name, nil)
	if err != nil {
		return tc, err
	}
	sc, err := scanLive(ctx, store, name, l, st, types, &tc)
	if err != nil {
		return tc, err
	}
	tc.Live = compareVersions(latest, &Version{Schema: sc.schema, Partitions: sc.partitions})
	if a, b, ok := sc.parts.mixed(); ok {
		tc.Live = append(tc.Live, mixedChange(tablePrefix(name), a, b))
	}
	tc.Breaking = Breaking(tc.Live) || Breaking(tc.Recorded)
	return tc, nil
}

// checkUnrecorded checks a table with no version yet: nothing to compare
// with, but live files that disagree or mix two layouts are breaking all
// the same. A table with no live files is only the note.
func checkUnrecorded(ctx context.Context, store lake.Store, name string, tc TableCheck, st tableState, types map[string]schema.Type) (TableCheck, error) {
	l, err := listTable(ctx, store, name, nil)
	if err != nil {
		return tc, nil
	}
	sc, err := scanLive(ctx, store, name, l, st, types, &tc)
	if err != nil {
		return tc, err
	}
	if a, b, ok := sc.parts.mixed(); ok {
		tc.Live, tc.Breaking = []Change{mixedChange(tablePrefix(name), a, b)}, true
	}
	return tc, nil
}

// scanLive scans a check's live files; when two of them disagree, the
// conflict is tc's one live change, and breaking.
func scanLive(ctx context.Context, store lake.Store, name string, l *listing, st tableState, types map[string]schema.Type, tc *TableCheck) (*scan, error) {
	sc, err := scanTable(ctx, store, name, l, st.index, DefaultConcurrency, progress.Nop(), types)
	if conflict, ok := errors.AsType[*ConflictError](err); ok {
		tc.Live, tc.Breaking = []Change{conflict.change()}, true
	}
	return sc, err
}

package quality

import (
	"context"
	"fmt"
	"log/slog"

	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// TableRules are the rules of one table.
type TableRules struct {
	Table string
	Rules []Rule
}

// Options tune Check.
type Options struct {
	Logger *slog.Logger     // nil: discard
	Now    func() time.Time // nil: time.Now (tests pin the clock)
	// Accept records the rows read as checked even when rules fail, so
	// the next check starts after them (a person looked and accepts
	// them); failures are still reported, but Check returns no error.
	Accept bool
	// FolderTypes are the DuckDB types of folder keys per table (from
	// tables.<t>.partition_types), so rules see them typed, as the
	// warehouse does; undeclared keys are strings.
	FolderTypes map[string]map[string]string
}

// Rule statuses.
const (
	StatusPass = "pass"
	StatusFail = "fail"
)

// RuleResult is one rule's evaluation.
type RuleResult struct {
	Table    string   `json:"table"`
	Rule     string   `json:"rule"`
	Type     string   `json:"type"`
	Severity string   `json:"severity"`
	Scope    string   `json:"scope"`
	Status   string   `json:"status"` // pass or fail
	Observed string   `json:"observed"`
	Value    *float64 `json:"value,omitempty"`
}

// Line says in one line what failed: rule, table and observed value.
func (r RuleResult) Line() string {
	return fmt.Sprintf("quality rule %s (%s) failed on table %s: %s", r.Rule, r.Severity, r.Table, r.Observed)
}

// TableResult sums up one table's check.
type TableResult struct {
	Table     string `json:"table"`
	LiveFiles int    `json:"live_files"`
	NewFiles  int    `json:"new_files"` // files read by rules over new rows
	NewRows   int64  `json:"new_rows"`
	Failed    int    `json:"failed"` // error rules failing
	Warned    int    `json:"warned"` // warn rules failing
}

// Result is the report of Check.
type Result struct {
	Tables    []TableResult `json:"tables"`
	Rules     []RuleResult  `json:"rules"`
	Passed    int           `json:"passed"`
	Failed    int           `json:"failed"`
	Warned    int           `json:"warned"`
	Rows      int64         `json:"rows"`  // new rows checked
	Files     int64         `json:"files"` // new files read
	Bytes     int64         `json:"bytes"`
	DurationS float64       `json:"duration_s"`
}

// FailedError says rules of severity error failed. The result is still
// returned with it.
type FailedError struct{ Failures []RuleResult }

func (e *FailedError) Error() string {
	msg := e.Failures[0].Line()
	if n := len(e.Failures) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more failing rules)", n)
	}
	return msg
}

// Validate checks that every rule is well formed, reading nothing: a
// *RuleError names the first one that is not.
func Validate(tables []TableRules) error {
	for _, t := range tables {
		if _, err := compile(t.Table, t.Rules); err != nil {
			return err
		}
	}
	return nil
}

// Check evaluates each table's rules. Every table's rules are validated
// before any is evaluated (a *RuleError changes nothing). It returns a
// *FailedError, with the result, when a rule of severity error fails.
func Check(ctx context.Context, store lake.Store, tables []TableRules, opts Options) (*Result, error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	compiled := make([][]rule, len(tables))
	for i, t := range tables {
		rs, err := compile(t.Table, t.Rules)
		if err != nil {
			return nil, err
		}
		compiled[i] = rs
	}
	res := &Result{Tables: []TableResult{}, Rules: []RuleResult{}}
	var failures []RuleResult
	for i, t := range tables {
		tr, rules, err := checkTable(ctx, store, t.Table, compiled[i], opts)
		if err != nil {
			return nil, err
		}
		res.Tables = append(res.Tables, tr.TableResult)
		res.Rows, res.Files, res.Bytes = res.Rows+tr.NewRows, res.Files+int64(tr.NewFiles), res.Bytes+tr.bytes
		for _, r := range rules {
			switch {
			case r.Status == StatusPass:
				res.Passed++
			case r.Severity == SeverityWarn:
				res.Warned++
				opts.Logger.Warn(r.Line())
			default:
				res.Failed++
				failures = append(failures, r)
			}
			res.Rules = append(res.Rules, r)
		}
	}
	res.DurationS = time.Since(start).Seconds()
	if len(failures) > 0 && !opts.Accept {
		return res, &FailedError{Failures: failures}
	}
	return res, nil
}

type tableOutcome struct {
	TableResult
	bytes int64
}

// checkTable evaluates one table's rules under the table's check lock and
// records the results.
func checkTable(ctx context.Context, store lake.Store, name string, rules []rule, opts Options) (*tableOutcome, []RuleResult, error) {
	lock, err := table.AcquireLock(ctx, store, "check."+name, table.LockOptions{Command: "check " + name, Logger: opts.Logger})
	if err != nil {
		return nil, nil, err
	}
	defer lock.Release(ctx)
	tbl, err := table.Open(store, name)
	if err != nil {
		return nil, nil, err
	}
	if _, err := tbl.Recover(ctx); err != nil {
		return nil, nil, err
	}
	st, err := LoadState(ctx, store, name)
	if err != nil {
		return nil, nil, fmt.Errorf("check table %s: %w", name, err)
	}
	now := opts.Now().UTC()
	d, err := findNew(ctx, tbl, st)
	if err != nil {
		return nil, nil, fmt.Errorf("check table %s: %w", name, err)
	}
	out := &tableOutcome{TableResult: TableResult{Table: name, LiveFiles: d.live, NewFiles: len(d.files)}}
	for _, f := range d.files {
		out.NewRows += f.Rows
		out.bytes += f.Size
	}
	sc, err := openScanner(ctx, tbl, d.files)
	if err != nil {
		return nil, nil, err
	}
	sc.folderTypes = opts.FolderTypes[name]
	defer sc.Close()
	results, outcomes, err := evalAll(ctx, name, rules, st, &evalContext{sc: sc, newRows: out.NewRows, now: now})
	if err != nil {
		return nil, nil, fmt.Errorf("check table %s: %w", name, err)
	}
	for _, r := range results {
		if r.Status == StatusFail && r.Severity == SeverityWarn {
			out.Warned++
		} else if r.Status == StatusFail {
			out.Failed++
		}
	}
	record(st, rules, results, outcomes, d, now, out.Failed == 0 || opts.Accept)
	if err := saveState(ctx, store, st); err != nil {
		return nil, nil, fmt.Errorf("record checks of table %s: %w", name, err)
	}
	opts.Logger.Debug("table checked", "table", name, "new_files", out.NewFiles, "failed", out.Failed, "warned", out.Warned)
	return out, results, nil
}

func evalAll(ctx context.Context, name string, rules []rule, st *State, ec *evalContext) ([]RuleResult, []outcome, error) {
	results := make([]RuleResult, len(rules))
	outcomes := make([]outcome, len(rules))
	for i := range rules {
		r := &rules[i]
		ec.prev = st.Rules[r.id]
		o, err := r.eval(ctx, ec)
		if err != nil {
			return nil, nil, err
		}
		status := StatusPass
		if o.fail {
			status = StatusFail
		}
		outcomes[i] = o
		results[i] = RuleResult{Table: name, Rule: r.id, Type: r.Type, Severity: r.Severity, Scope: r.Scope,
			Status: status, Observed: o.observed, Value: o.value}
	}
	return results, outcomes, nil
}

// record keeps each rule's result; when no error rule failed it also
// advances the checked marks and what the next run compares against.
func record(st *State, rules []rule, results []RuleResult, outcomes []outcome, d *delta, now time.Time, passed bool) {
	st.Time = now
	for i, r := range rules {
		rs := st.Rules[r.id]
		rs.Type, rs.Status, rs.Observed, rs.Value, rs.Time = r.Type, results[i].Status, results[i].Observed, results[i].Value, now
		rs.Latest = outcomes[i].newest
		if passed {
			rs.Baseline = outcomes[i].value
			if outcomes[i].newest != nil {
				rs.Newest = outcomes[i].newest
			}
		}
		st.Rules[r.id] = rs
	}
	if passed {
		st.PassedAt, st.Through, st.Unfinished, st.Foreign = now, d.through, d.unfinished, d.foreign
	}
}

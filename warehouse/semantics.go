package warehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/lakectl/lakectl/warehouse/driver"
)

// modesTable records, per target, the load mode, key and cursor of its
// first load: reprocess and rebuild reload the target the same way, so a
// table loaded with upsert does not get every row version back.
const modesTable = "lakectl_target_modes"

// Semantics is how a target is loaded.
type Semantics struct {
	Mode   string   `json:"mode"`
	Key    []string `json:"key,omitempty"`
	Cursor string   `json:"cursor,omitempty"`
}

// TargetSemantics reads what the first load of the warehouse table into
// (SCHEMA.TABLE or TABLE) recorded; nil when nothing was recorded.
func TargetSemantics(ctx context.Context, wh Warehouse, into string) (*Semantics, error) {
	o := LoadOptions{Table: into, Into: into}
	schemaName, table, err := o.normalize(wh.DefaultSchema())
	if err != nil {
		return nil, err
	}
	st := &driver.Statement{TargetKey: schemaName + "." + table, Modes: driver.QuoteQualified(wh.DefaultSchema(), modesTable)}
	if ok, err := TableExists(ctx, wh, wh.DefaultSchema(), modesTable); err != nil || !ok {
		return nil, err
	}
	return readSemantics(ctx, wh.Query, wh, st)
}

func readSemantics(ctx context.Context, q querier, wh Warehouse, st *driver.Statement) (*Semantics, error) {
	sql, err := wh.SQL("target_mode_select", st)
	if err != nil {
		return nil, err
	}
	var sem *Semantics
	err = q(ctx, sql, nil, func(scan func(...any) error) error {
		var keys string
		s := &Semantics{}
		if err := scan(&s.Mode, &keys, &s.Cursor); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(keys), &s.Key); err != nil {
			return fmt.Errorf("recorded key of %s: %w", st.TargetKey, err)
		}
		sem = s
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read load mode of %s: %w", st.TargetKey, err)
	}
	return sem, nil
}

// ensureModesTable creates lakectl_target_modes (warehouses whose ledger
// predates it have none).
func (l *loader) ensureModesTable(ctx context.Context) (bool, error) {
	return l.createOnce(ctx, "target_mode_create", modesTable, func(ctx context.Context) (bool, error) {
		return tableExists(ctx, l.wh, l.wh.DefaultSchema(), modesTable, l.wh.Query)
	})
}

// createOnce runs a CREATE template in its own transaction unless exists
// says it was done, so that two first loads do not both create inside
// their load; a concurrent creator that won is not an error. It says
// whether reads now see what it created (a dry run's CREATE is only
// recorded).
func (l *loader) createOnce(ctx context.Context, template, what string, exists func(context.Context) (bool, error)) (bool, error) {
	if ok, err := exists(ctx); err != nil || ok {
		return ok, err
	}
	sql, err := l.wh.SQL(template, &l.base)
	if err != nil {
		return false, err
	}
	tx, err := l.wh.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err = tx.Exec(ctx, sql); err == nil {
		err = tx.Commit(ctx)
	}
	ok, xerr := exists(ctx)
	if err != nil && !ok {
		return false, fmt.Errorf("create %s: %w", what, err)
	}
	return ok, xerr
}

// semantics runs in the load's transaction after its body: the first load
// of a target records its mode, key and cursor; a reprocess in upsert mode
// proves what upsert must produce, one row per key.
func (l *loader) semantics(ctx context.Context, p *plan) error {
	if l.opts.TargetDefined {
		return nil
	}
	// The check reads what this transaction wrote: a dry run wrote nothing.
	if l.full && l.opts.Mode == ModeUpsert && !l.opts.DryRun {
		if err := l.checkOneRowPerKey(ctx); err != nil {
			return err
		}
	}
	var rec *Semantics
	if l.modesRead {
		var err error
		if rec, err = readSemantics(ctx, l.tx.Query, l.wh, &l.base); err != nil {
			return err
		}
	}
	want := Semantics{Mode: l.opts.Mode, Key: l.opts.Key, Cursor: l.opts.Cursor}
	if want.Mode != ModeUpsert {
		want.Key, want.Cursor = nil, ""
	}
	if rec != nil {
		if rec.Mode != want.Mode || !slices.Equal(rec.Key, want.Key) || rec.Cursor != want.Cursor {
			l.log.Warn("this load's mode differs from the target's first load; reprocess and rebuild use the first", "target", l.base.TargetKey,
				"recorded_mode", rec.Mode, "recorded_key", rec.Key, "mode", want.Mode, "keys", want.Key)
		}
		return nil
	}
	if len(p.files) == 0 {
		return nil
	}
	keys, err := json.Marshal(want.Key)
	if err != nil {
		return err
	}
	st := l.base
	lit := driver.LiteralFor(l.wh)
	st.Rows = [][]string{{lit(l.base.TargetKey), lit(want.Mode), lit(string(keys)), lit(want.Cursor)}}
	return l.exec(ctx, "target_mode_save", &st)
}

// checkOneRowPerKey fails the load when a key has more than one row.
func (l *loader) checkOneRowPerKey(ctx context.Context) error {
	st := l.base
	st.Key = quoteAll(l.opts.Key)
	sql, err := l.wh.SQL("key_duplicates", &st)
	if err != nil {
		return err
	}
	var n int64
	if err := l.tx.Query(ctx, sql, nil, func(scan func(...any) error) error { return scan(&n) }); err != nil {
		return fmt.Errorf("check one row per key in %s: %w", l.base.TargetKey, err)
	}
	if n > 0 {
		return fmt.Errorf("upsert reload of %s left %d keys (%v) with more than one row: nothing was changed", l.base.TargetKey, n, l.opts.Key)
	}
	return nil
}

// KeyDuplicates counts the keys of the warehouse table (quoted, qualified)
// that have more than one row.
func KeyDuplicates(ctx context.Context, wh Warehouse, quotedTable string, key []string) (int64, error) {
	sql, err := wh.SQL("key_duplicates", &driver.Statement{Target: quotedTable, Key: quoteAll(key)})
	if err != nil {
		return 0, err
	}
	var n int64
	err = wh.Query(ctx, sql, nil, func(scan func(...any) error) error { return scan(&n) })
	return n, err
}

package warehouse

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// VARCHAR sizing from the data. Redshift sizes VARCHAR in bytes and a
// Parquet COPY cannot truncate, so one value longer than its column fails
// the whole load. Every file lakectl writes records each string column's
// maximum byte length (parquetfile.KeyMaxBytes); a load declares a new
// column at catalog.VarcharSize of the maximum over its files (+25%, at
// least 256, at most 65535) and widens an existing column in place (ALTER
// COLUMN TYPE, outside a transaction) before it loads files that need
// more. A file without the metadata (written by another tool) counts as
// holding VarcharUnknownBytes (so a new column is declared VARCHAR(320)),
// and the load says so in its notes: a longer value there fails the COPY,
// which then names it.
const VarcharUnknownBytes = catalog.DefaultVarcharBytes

// maxWidenings bounds the restarts of a load after widening columns (a
// concurrent load may have needed more again).
const maxWidenings = 3

// ddlOptions are the options of the target's and the stage's DDL.
func (l *loader) ddlOptions() catalog.DDLOptions {
	return catalog.DDLOptions{Schema: l.schema, IfNotExists: true, VarcharBytes: l.varchar, VarcharHeadroom: -1}
}

// sizeStrings sets l.varchar from the plan's files: per string column
// the declared size its data needs. It returns the observed maxima.
func (l *loader) sizeStrings(p *plan) (map[string]int, error) {
	observed := map[string]int{}
	var unknown []string
	for _, c := range p.schema.Columns {
		if c.Type.Kind != schema.String {
			continue
		}
		key := strings.ToLower(c.Name)
		observed[key] = 0
		for _, f := range p.files {
			if f.maxBytes == nil {
				observed[key] = max(observed[key], VarcharUnknownBytes)
				continue
			}
			for name, n := range f.maxBytes {
				if strings.EqualFold(name, c.Name) {
					observed[key] = max(observed[key], n)
				}
			}
		}
		if l.wh.Dialect() == driver.Redshift && observed[key] > catalog.MaxVarcharBytes {
			return nil, fmt.Errorf("column %s holds a value of %d bytes, more than Redshift's VARCHAR maximum of %d: shorten it in the lake, or load it as JSON into SUPER", c.Name, observed[key], catalog.MaxVarcharBytes)
		}
	}
	for _, f := range p.files {
		if f.maxBytes == nil {
			unknown = append(unknown, f.Key)
		}
	}
	l.varchar = make(map[string]int, len(observed))
	for k, n := range observed {
		l.varchar[k] = catalog.VarcharSize(n)
	}
	if len(unknown) > 0 && l.wh.Dialect() == driver.Redshift {
		note := fmt.Sprintf("%d lake file(s) do not record their strings' maximum byte length (%s; written by another tool?), e.g. %s: their string columns are taken as at most %d bytes, and a longer value fails the COPY",
			len(unknown), parquetfile.KeyMaxBytes, unknown[0], VarcharUnknownBytes)
		l.res.Notes = append(l.res.Notes, note)
		l.log.Warn(note)
	}
	return observed, nil
}

// widenings are the ALTERs that make the target's VARCHAR columns hold
// what the plan's files need (Redshift only; none when the target does
// not exist yet).
func (l *loader) widenings(ctx context.Context, p *plan) ([]string, error) {
	observed, err := l.sizeStrings(p)
	if err != nil || l.wh.Dialect() != driver.Redshift || len(p.files) == 0 {
		return nil, err
	}
	sql, err := l.wh.SQL("target_varchar", &l.base)
	if err != nil {
		return nil, err
	}
	var out []string
	err = l.tx.Query(ctx, sql, nil, func(scan func(...any) error) error {
		var col string
		var n int64
		if err := scan(&col, &n); err != nil {
			return err
		}
		need, ok := observed[strings.ToLower(col)]
		alter := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE VARCHAR(%d);", l.base.Target, driver.QuoteIdent(col), l.varchar[strings.ToLower(col)])
		// An ALTER this attempt ran is not asked again (a dry run's
		// ran nowhere, so the column still looks narrow).
		if ok && int64(need) > n && !slices.Contains(l.res.Altered, alter) {
			out = append(out, alter)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read VARCHAR sizes of %s: %w", l.base.TargetKey, err)
	}
	sort.Strings(out)
	return out, nil
}

// widen runs the ALTERs outside any transaction, as Redshift requires
// (https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html).
func (l *loader) widen(ctx context.Context, alters []string) error {
	ex, ok := driver.As[driver.OutsideTx](l.wh)
	if !ok {
		return fmt.Errorf("%s cannot run statements outside a transaction", l.wh.Dialect())
	}
	for _, a := range alters {
		l.report("widening a VARCHAR column for longer strings in the lake", "into", l.res.Into, "statement", a)
		if err := ex.ExecOutsideTx(ctx, a); err != nil {
			return fmt.Errorf("widen column: %w", err)
		}
		l.res.Altered = append(l.res.Altered, a)
	}
	return nil
}

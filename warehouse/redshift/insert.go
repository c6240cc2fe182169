package redshift

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// insertGroups splits the files by column list, as copies does.
func insertGroups(job *driver.StageJob) []*insertPlan {
	var out []*insertPlan
	for _, files := range driver.ColumnRuns(job.Files) {
		cols := append(driver.QuoteIdents(files[0].Schema.Names()), driver.FolderNames(files[0])...)
		out = append(out, &insertPlan{Table: job.Table, Columns: cols, Files: files, Batch: insertBatch})
	}
	return out
}

// insertFiles reads the files and INSERTs their rows as literals, for
// clusters that cannot assume a role to read S3. Slow; row ranges work.
func (t *tx) insertFiles(ctx context.Context, job *driver.StageJob) (int64, error) {
	var total int64
	for _, g := range insertGroups(job) {
		for _, f := range g.Files {
			n, err := t.insertFile(ctx, job, g, f)
			total += n
			if err != nil {
				return total, fmt.Errorf("insert rows of lake file %s: %w", f.Key, err)
			}
			if job.SeqColumn != "" {
				s, err := t.w.stamp(job, f)
				if err == nil {
					_, err = t.Exec(ctx, s)
				}
				if err != nil {
					return total, fmt.Errorf("stamp staged rows of %s: %w", f.Key, err)
				}
			}
		}
	}
	return total, nil
}

func (t *tx) insertFile(ctx context.Context, job *driver.StageJob, g *insertPlan, f driver.StageFile) (int64, error) {
	types := make([]schema.Type, len(f.Schema.Columns))
	for i, c := range f.Schema.Columns {
		types[i] = c.Type
	}
	folder := driver.FolderExprs(f, stringLit)
	var total int64
	data := struct {
		Table   string
		Columns []string
		Rows    [][]string
	}{Table: g.Table, Columns: g.Columns}
	flush := func() error {
		if len(data.Rows) == 0 {
			return nil
		}
		sql, err := t.w.tmpl.Render("insert_values", data)
		if err != nil {
			return err
		}
		n, err := t.Exec(ctx, sql)
		total += n
		job.Progress.Add(n, 0)
		data.Rows = data.Rows[:0]
		return err
	}
	err := driver.EachBatch(ctx, job.Store, f, func(_ int64, rows []schema.Row) error {
		for _, row := range rows {
			lits := make([]string, len(row), len(row)+len(folder))
			for i, v := range row {
				lits[i] = Literal(types[i], v)
			}
			lits = append(lits, folder...)
			data.Rows = append(data.Rows, lits)
			if len(data.Rows) >= insertBatch {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	return total, err
}

// Literal renders a lake value as a Redshift SQL literal of its type.
func Literal(t schema.Type, v schema.Value) string {
	if v.IsNull() {
		return "NULL"
	}
	switch t.Kind {
	case schema.Bool:
		if v.Boolean() {
			return "TRUE"
		}
		return "FALSE"
	case schema.Int8, schema.Int16, schema.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case schema.Uint8, schema.Uint16, schema.Uint32:
		return strconv.FormatUint(uint64(uint32(v.Int32())), 10)
	case schema.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	case schema.Uint64:
		return strconv.FormatUint(uint64(v.Int64()), 10)
	case schema.Float32, schema.Float64:
		f := v.Double()
		if t.Kind == schema.Float32 {
			f = float64(v.Float())
		}
		// Written apart from redshiftsim's floatText on purpose: the
		// simulator is the independent check of this driver.
		switch {
		case math.IsNaN(f):
			return "'NaN'::float8"
		case math.IsInf(f, 1):
			return "'Infinity'::float8"
		case math.IsInf(f, -1):
			return "'-Infinity'::float8"
		}
		return strconv.FormatFloat(f, 'g', -1, 64)
	case schema.Decimal:
		return schema.FormatDecimal(t, v)
	case schema.String, schema.JSON:
		return stringLit(string(v.ByteArray()))
	case schema.Bytes:
		return "FROM_HEX('" + hex.EncodeToString(v.ByteArray()) + "')"
	case schema.Date:
		return "'" + time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02") + "'::date"
	case schema.Timestamp:
		return "'" + time.UnixMicro(v.Int64()).UTC().Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz"
	case schema.Time:
		d := time.Duration(v.Int64()) * time.Microsecond
		return "'" + time.Unix(0, 0).UTC().Add(d).Format("15:04:05.999999") + "'::time"
	}
	return stringLit(v.String())
}

// stringLit quotes s for Redshift, where a backslash in a literal is an
// escape character.
func stringLit(s string) string { return driver.BackslashLiteral(s) }

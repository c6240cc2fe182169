package mysql

import (
	"context"

	"github.com/lakectl/lakectl/extract/internal/watermark"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// lakeHeld is the (key, cursor) pairs the table's files hold below the
// state's seen_from (extract/internal/watermark.Held).
type lakeHeld = watermark.Held

// loadLakeHeld reads the table's files back for the pairs of the identity
// columns idx with a cursor in [from, to).
func (r *run) loadLakeHeld(ctx context.Context, tbl *table.Table, ti *tableInfo, idx []int, cur *cursorInfo, from, to int64) (*lakeHeld, error) {
	ids := make([]string, len(idx))
	for j, i := range idx {
		ids[j] = ti.Columns[i].Name
	}
	held, files, err := watermark.LoadHeld(ctx, tbl, ids, cur.col.Name, watermark.CursorType(cur.typ), from, to)
	if err != nil {
		return nil, err
	}
	r.log.Info("the window reaches below the pairs the job's state knows: recognized the rows the lake holds there",
		"from", cur.typ.format(from), "to", cur.typ.format(to), "files", files, "pairs", held.Len())
	return held, nil
}

// columnTypes lists the schema's column types in order.
func columnTypes(s schema.Schema) []schema.Type { return watermark.ColumnTypes(s) }

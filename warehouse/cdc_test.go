package warehouse_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/internal/whtest"
	"github.com/lakectl/lakectl/warehouse/redshift"
)

// cdcSchema is a table as extract postgres --cdc writes it.
var cdcSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64}, {Name: "v", Type: schema.TString, Nullable: true},
	{Name: "_op", Type: schema.TString}, {Name: "_lsn", Type: schema.TInt64},
}}

func cdcRow(id int64, v, op string, lsn int64) schema.Row {
	val := schema.NullValue()
	if v != "" {
		val = schema.StringValue(v)
	}
	return schema.Row{schema.Int64Value(id), val, schema.StringValue(op), schema.Int64Value(lsn)}
}

func TestUpsertOfChangeRowsAppliesDeletes(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			store := newLake(t)
			// Snapshot (lsn 0), then changes; within one file the versions
			// of a key are out of order on purpose: _lsn decides.
			whtest.Append(t, store, "items", cdcSchema, []schema.Row{
				cdcRow(1, "a", "c", 0), cdcRow(2, "b", "c", 0), cdcRow(3, "c", "c", 0),
			}, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "items", Mode: "upsert", Key: []string{"id"}})
			whtest.Append(t, store, "items", cdcSchema, []schema.Row{
				cdcRow(2, "", "d", 20), cdcRow(2, "b2", "u", 10), // updated, then deleted
				cdcRow(4, "d", "c", 30), cdcRow(4, "", "d", 40), cdcRow(4, "d2", "c", 50), // deleted, then inserted again
				cdcRow(3, "", "d", 60), cdcRow(1, "a2", "u", 70),
			}, table.PartitionRule{})
			load(t, tg, store, warehouse.LoadOptions{Table: "items", Mode: "upsert", Key: []string{"id"}})
			var got string
			tg.query(t, "SELECT string_agg(CAST(id AS VARCHAR) || '=' || v, ',' ORDER BY id) FROM items", &got)
			if got != "1=a2,4=d2" {
				t.Fatalf("warehouse holds %q, want 1=a2,4=d2", got)
			}
		})
	}
}

// TestRedshiftUpsertTemplateAppliesDeletes runs the Redshift dialect's
// upsert (DELETE USING + INSERT of ROW_NUMBER() = 1, which PostgreSQL
// runs as Redshift does) on a staging table in PostgreSQL.
func TestRedshiftUpsertTemplateAppliesDeletes(t *testing.T) {
	ctx := context.Background()
	c, err := pgx.Connect(ctx, testenv.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	st := &driver.Statement{Target: `"items"`, Stage: `"stage"`, Columns: []string{`"id"`, `"v"`, `"_op"`, `"_lsn"`},
		Key: []string{`"id"`}, Cursor: `"_lsn"`, OpColumn: `"_op"`, SeqColumn: `"_lakectl_seq"`}
	q, err := redshift.Templates().Render("upsert", st)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append([]string{
		`CREATE TABLE items (id bigint, v text, _op text, _lsn bigint)`,
		`CREATE TABLE stage (id bigint, v text, _op text, _lsn bigint, _lakectl_file int DEFAULT 0, _lakectl_seq bigserial)`,
		`INSERT INTO items VALUES (1, 'a', 'c', 0), (2, 'b', 'c', 0)`,
		`INSERT INTO stage (id, v, _op, _lsn) VALUES (2, NULL, 'd', 20), (2, 'b2', 'u', 10), (3, 'c', 'c', 30), (1, NULL, 'd', 40), (1, 'a3', 'c', 50)`,
	}, strings.Split(q, ";")...) {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var got string
	if err := c.QueryRow(ctx, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM items").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "1=a3,3=c" {
		t.Fatalf("items = %q, want 1=a3,3=c", got)
	}
}

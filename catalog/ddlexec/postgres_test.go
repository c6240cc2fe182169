package ddlexec

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake/schema"
)

// pgText renders a lake value in PostgreSQL's text input form, so that the
// server, not a client-side codec, parses it into the DDL's column type.
func pgText(t schema.Type, v schema.Value) any {
	g := schema.Go(t, v)
	switch x := g.(type) {
	case nil:
		return nil
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case time.Time:
		if t.Kind == schema.Date {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02T15:04:05.999999Z07:00")
	case time.Duration:
		return time.Time{}.Add(x).Format("15:04:05.999999")
	case float64:
		if t.Kind == schema.Float32 {
			return strconv.FormatFloat(x, 'g', -1, 32)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return fmt.Sprint(g)
}

func TestPostgresTableFromDDLAcceptsTheLakesRows(t *testing.T) {
	url := testenv.Postgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Rows as a loader gets them: written and read back by lake/parquetfile.
	s, rows := readFile(t, writeFile(t, cattest.EveryType(), extremeRows(t)))
	if _, err := conn.Exec(ctx, `CREATE SCHEMA lake`); err != nil {
		t.Fatal(err)
	}
	ddl, err := catalog.DDL(catalog.Postgres, "orders", s, catalog.DDLOptions{Schema: "lake", IfNotExists: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, ddl); err != nil {
		t.Fatalf("PostgreSQL rejected the DDL: %v\n%s", err, ddl)
	}
	names := make([]string, len(s.Columns))
	params := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = `"` + c.Name + `"`
		typ, _ := catalog.ColumnType(catalog.Postgres, c, catalog.DDLOptions{})
		params[i] = fmt.Sprintf("$%d::text::%s", i+1, typ)
	}
	insert := "INSERT INTO lake.orders (" + strings.Join(names, ", ") + ") VALUES (" + strings.Join(params, ", ") + ")"
	for _, row := range rows {
		args := make([]any, len(row))
		for i, v := range row {
			args[i] = pgText(s.Columns[i].Type, v)
		}
		if _, err := conn.Exec(ctx, insert, args...); err != nil {
			t.Fatalf("insert %v: %v", args, err)
		}
	}
	checks := []struct{ sql, want string }{
		{`SELECT count(*)::text FROM lake.orders`, "3"},
		{`SELECT max(u64)::text FROM lake.orders`, "18446744073709551615"},
		{`SELECT min(tiny)::text || ' ' || max(tiny)::text FROM lake.orders`, "-128 127"},
		{`SELECT min(id)::text FROM lake.orders`, "-9223372036854775808"},
		{`SELECT max(u32)::text FROM lake.orders`, "4294967295"},
		{`SELECT max(ratio)::text FROM lake.orders`, "3.4028235e+38"},
		{`SELECT max(big_amount)::text FROM lake.orders`, "99999999999999999999999999999.999999999"},
		{`SELECT min(amount)::text FROM lake.orders`, "-9999999999.99"},
		{`SELECT (extract(epoch FROM max(created_at)) * 1000000)::bigint::text FROM lake.orders`, "253402300799999999"},
		{`SELECT max(birthday)::text || ' ' || min(birthday)::text FROM lake.orders`, "9999-12-31 0001-01-01"},
		{`SELECT max(opens_at)::text FROM lake.orders`, "23:59:59.999999"},
		{`SELECT name FROM lake.orders WHERE id = 9223372036854775807`, "Grüße, 世界 🚀 'quoted' \"double\""},
		{`SELECT attrs->>'s' FROM lake.orders WHERE id = 9223372036854775807`, "é"},
		{`SELECT encode(payload, 'hex') FROM lake.orders WHERE id = 9223372036854775807`, "0001feff"},
		{`SELECT count(*)::text FROM lake.orders WHERE flag IS NULL AND u64 IS NULL AND attrs IS NULL`, "1"},
		{`SELECT string_agg("Select", ',' ORDER BY id) FROM lake.orders`, "x,y"},
	}
	for _, c := range checks {
		var got *string
		if err := conn.QueryRow(ctx, c.sql).Scan(&got); err != nil || got == nil || *got != c.want {
			t.Errorf("%s = %v, %v; want %q", c.sql, deref(got), err, c.want)
		}
	}

	// The ALTER statements for a compatible change apply, and old rows stay.
	next := s
	next.Columns = append(append([]schema.Column{}, s.Columns...), schema.Column{Name: "extra", Type: schema.TString, Nullable: true})
	next.Columns[4].Type = schema.TInt64 // medium int32 -> int64
	stmts, err := catalog.AlterStatements(catalog.Postgres, "orders", catalog.Compare(s, next), catalog.DDLOptions{Schema: "lake"})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts {
		if _, err := conn.Exec(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	var typ string
	if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns WHERE table_schema = 'lake' AND table_name = 'orders' AND column_name = 'medium'`).Scan(&typ); err != nil || typ != "bigint" {
		t.Fatalf("medium is %q (%v) after ALTER, want bigint", typ, err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

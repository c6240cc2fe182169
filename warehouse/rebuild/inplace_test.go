package rebuild_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// s3Lake is a lake in MinIO with files ids 1..files*50 (COPY reads S3).
func s3Lake(t *testing.T) lake.Store {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	store, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	for i := range 3 {
		writeFile(t, store, 1+i*50, 50)
	}
	return store
}

// pgQuery runs one query on the PostgreSQL database behind a simulator.
func pgQuery(t *testing.T, url, q string, dest ...any) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := c.QueryRow(context.Background(), q).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// simLoaded is the S3 lake loaded into a Redshift simulator.
func simLoaded(t *testing.T) (lake.Store, *redshiftsim.Server, warehouse.Warehouse) {
	t.Helper()
	store := s3Lake(t)
	sim := redshiftsim.StartServer(t)
	wh, err := warehouse.Open(context.Background(), sim.URL, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if _, err := warehouse.Load(context.Background(), store, wh, warehouse.LoadOptions{Table: "orders"}); err != nil {
		t.Fatal(err)
	}
	return store, sim, wh
}

// Widening a VARCHAR is an in-place ALTER outside a transaction (Redshift
// refuses it inside one): no new table, no reload, no swap.
func TestRebuildWidensVarcharInPlaceOutsideATransaction(t *testing.T) {
	ctx := context.Background()
	store, sim, wh := simLoaded(t)
	m := "-- names get longer, sorted and distributed by id\nALTER TABLE {{.Table}} ALTER COLUMN name TYPE VARCHAR(1024);\n" +
		"ALTER TABLE {{.Table}} ALTER SORTKEY (id);\nALTER TABLE {{.Table}} ALTER DISTKEY id;\n"
	plan, err := rebuild.Plan(ctx, store, wh, rebuild.Options{Table: "orders", Migration: m})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.InPlace || plan.Steps[2].Status != rebuild.Skipped || plan.Steps[4].Status != rebuild.Skipped || plan.Files != 0 ||
		!strings.Contains(plan.Steps[1].Detail, "outside a transaction") || !strings.Contains(plan.Steps[1].Statements[0], "VARCHAR(1024)") {
		t.Fatalf("plan is not in place: %+v", plan.Steps)
	}
	// In place, no old table is kept: the in-place reason replaces keep_old.
	kept, err := rebuild.Plan(ctx, store, wh, rebuild.Options{Table: "orders", Migration: m, KeepOld: true})
	if err != nil {
		t.Fatal(err)
	}
	if st := kept.Steps[5]; st.Skip != "" || !strings.HasPrefix(st.Detail, "in place") {
		t.Fatalf("keep-old in place: %+v", st)
	}
	run, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Migration: m})
	if err != nil {
		t.Fatal(err)
	}
	var width, rows, tables int64
	pgQuery(t, sim.Postgres, "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'name'", &width)
	pgQuery(t, sim.Postgres, "SELECT count(*) FROM public.orders", &rows)
	pgQuery(t, sim.Postgres, "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'orders\\_\\_%'", &tables)
	if run.State != rebuild.RunDone || run.Files != 0 || width != 1024 || rows != 150 || run.TableRows != 150 || tables != 0 || run.Steps[1].Done != 3 {
		t.Fatalf("run %s, %d files loaded, width %d, %d rows, %d extra tables, %d ALTERs", run.State, run.Files, width, rows, tables, run.Steps[1].Done)
	}
	var layout int64
	pgQuery(t, sim.Postgres, "SELECT count(*) FROM redshiftsim.table_layout WHERE change ILIKE 'ALTER SORTKEY%' OR change ILIKE 'ALTER DISTKEY%'", &layout)
	if layout != 2 {
		t.Fatalf("%d key ALTERs reached the warehouse, want 2", layout)
	}
}

// A shadow migration whose later statements cannot run in a transaction
// runs them alone after the CREATE, checkpointed.
func TestRebuildRunsStatementsThatCannotRunInATransactionAlone(t *testing.T) {
	ctx := context.Background()
	store, sim, wh := simLoaded(t)
	m := "CREATE TABLE {{.NewTable}} (id BIGINT NOT NULL, amount DOUBLE PRECISION, name VARCHAR(16)) DISTKEY (id);\n" +
		"ALTER TABLE {{.NewTable}} ALTER COLUMN name TYPE VARCHAR(300);\n"
	run, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Migration: m})
	if err != nil {
		t.Fatal(err)
	}
	var width, rows int64
	pgQuery(t, sim.Postgres, "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'name'", &width)
	pgQuery(t, sim.Postgres, "SELECT count(*) FROM public.orders", &rows)
	if run.State != rebuild.RunDone || run.Steps[1].Done != 2 || width != 300 || rows != 150 {
		t.Fatalf("run %s, statements done %d, width %d, %d rows", run.State, run.Steps[1].Done, width, rows)
	}
}

// Views bound to the table make the run refuse before it starts; grants
// are carried to the new table in the swap.
func TestRebuildRefusesBoundViewsAndCarriesGrants(t *testing.T) {
	ctx := context.Background()
	_, store := writeLake(t)
	url := testenv.Postgres(t)
	wh, err := warehouse.Open(ctx, url, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	if _, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders"}); err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	role := testenv.Name("lakectl_reader_")
	for _, q := range []string{"CREATE ROLE " + role, "GRANT SELECT ON public.orders TO " + role, "CREATE VIEW public.big_orders AS SELECT * FROM public.orders WHERE amount > 100"} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		_, _ = c.Exec(context.Background(), "DROP OWNED BY "+role)
		_, _ = c.Exec(context.Background(), "DROP ROLE "+role)
	})
	plan, err := rebuild.Plan(ctx, store, wh, rebuild.Options{Table: "orders", Migration: migration})
	if err != nil || !strings.Contains(plan.Steps[4].Detail, "REFUSED") || !strings.Contains(plan.Steps[4].Statements[0], "GRANT SELECT") {
		t.Fatalf("plan does not say views refuse and grants carry: %+v %v", plan.Steps[4], err)
	}
	_, err = rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Migration: migration})
	var dv *rebuild.DependentViewsError
	if !errors.As(err, &dv) || dv.Views[0] != "public.big_orders" {
		t.Fatalf("apply with a bound view: %v", err)
	}
	if n := count(t, wh, "public.orders__rebuild"); n != 0 {
		t.Fatal("a refused run created the new table")
	}
	if _, err := c.Exec(ctx, "DROP VIEW public.big_orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Migration: migration}); err != nil {
		t.Fatal(err)
	}
	var ok bool
	if err := c.QueryRow(ctx, "SELECT has_table_privilege($1, 'public.orders', 'SELECT')", role).Scan(&ok); err != nil || !ok {
		t.Fatalf("grant not carried to the rebuilt table: %v %v", ok, err)
	}
}

// A whole CREATE TABLE that only widens a VARCHAR and sets keys and an
// encoding is carried out in place too: the plan derives the ALTERs.
func TestRebuildDerivesInPlaceAltersFromACreateTable(t *testing.T) {
	ctx := context.Background()
	store, sim, wh := simLoaded(t)
	m := "CREATE TABLE {{.NewTable}} (\n  id BIGINT NOT NULL,\n  amount DOUBLE PRECISION,\n  name VARCHAR(2000) ENCODE zstd\n) DISTKEY (id) SORTKEY (id);\n"
	run, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Migration: m})
	if err != nil {
		t.Fatal(err)
	}
	if !run.InPlace || run.Files != 0 || len(run.InPlaceStatements) != 4 || !strings.Contains(run.InPlaceStatements[0], `ALTER COLUMN "name" TYPE VARCHAR(2000)`) {
		t.Fatalf("not derived in place: in place %v, %d files, %q", run.InPlace, run.Files, run.InPlaceStatements)
	}
	var width, rows int64
	pgQuery(t, sim.Postgres, "SELECT character_maximum_length FROM information_schema.columns WHERE table_name = 'orders' AND column_name = 'name'", &width)
	pgQuery(t, sim.Postgres, "SELECT count(*) FROM public.orders", &rows)
	if width != 2000 || rows != 150 || run.State != rebuild.RunDone {
		t.Fatalf("width %d, %d rows, state %s", width, rows, run.State)
	}
	// A type change cannot be derived: a narrowing or another type rebuilds.
	plan, err := rebuild.Plan(ctx, store, wh, rebuild.Options{Table: "orders", Migration: strings.Replace(m, "DOUBLE PRECISION", "DECIMAL(12,2)", 1)})
	if err != nil || plan.InPlace {
		t.Fatalf("a type change planned in place: %v", err)
	}
}

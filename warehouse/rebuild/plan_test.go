package rebuild_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/rebuild"
	"github.com/lakectl/lakectl/warehouse/scale"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRebuildPlanRedshiftSQLGolden plans a Redshift rebuild offline: the
// migration, verification, swap and drop SQL are compared with a golden
// file (the COPY statements are the driver's, golden-tested there).
func TestRebuildPlanRedshiftSQLGolden(t *testing.T) {
	_, store := writeLake(t)
	wh, err := warehouse.Open(context.Background(), "redshift://etl:Pw0rdSecret@127.0.0.1:1/dw?load_method=insert", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := rebuild.Plan(context.Background(), store, wh, rebuild.Options{Table: "orders", Into: "analytics.orders", Migration: migration})
	if err != nil {
		t.Fatal(err)
	}
	if run.Unreachable == "" || run.Files != files || run.Rows != files*50 || len(run.Steps) != 7 || run.Steps[2].Files != files {
		t.Fatalf("plan: %d files, %d rows, unreachable %q", run.Files, run.Rows, run.Unreachable)
	}
	if run.Steps[0].Status != rebuild.Skipped || run.Steps[6].Status != rebuild.Skipped || run.Steps[0].Skip != rebuild.SkipNoResize || run.Steps[6].Skip != rebuild.SkipNoResize {
		t.Fatalf("scale steps not skipped without a resize: %+v", run.Steps[0])
	}
	var b strings.Builder
	for _, st := range run.Steps {
		if st.Name == rebuild.StepLoad {
			continue
		}
		b.WriteString("-- step " + st.Name + "\n")
		for _, s := range st.Statements {
			b.WriteString(strings.TrimSpace(s) + ";\n")
		}
	}
	golden := filepath.Join("testdata", "redshift_plan.sql")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Fatalf("plan SQL differs from %s (-update to rewrite):\n%s", golden, b.String())
	}
	if strings.Contains(run.Warehouse+run.Unreachable, "Pw0rdSecret") {
		t.Fatal("password in the plan")
	}
}

func TestRebuildPlanRefusesMigrationWithoutNewTable(t *testing.T) {
	_, store := writeLake(t)
	wh, err := warehouse.Open(context.Background(), "duckdb://"+filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	for _, m := range []string{"", "-- nothing\n", "CREATE TABLE other (id BIGINT);", "CREATE TABLE {{.Nope}} (id BIGINT);"} {
		if _, err := rebuild.Plan(context.Background(), store, wh, rebuild.Options{Table: "orders", Migration: m + " "}); err == nil {
			t.Errorf("migration %q accepted", m)
		}
	}
}

// Offline, the restore step cannot know the size and must not invent one
// ("back to 0 nodes").
func TestRebuildPlanOfflineNamesNoRestoreSize(t *testing.T) {
	_, store := writeLake(t)
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", "http://127.0.0.1:1")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake")
	s, err := scale.New(context.Background(), scale.Config{Cluster: "analytics", MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(context.Background(), "redshift://etl:pw@127.0.0.1:1/dw?load_method=insert", warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := rebuild.Plan(context.Background(), store, wh, rebuild.Options{Table: "orders", Migration: migration, ScaleTo: 4, Scaler: s})
	if err != nil {
		t.Fatal(err)
	}
	if d := run.Steps[6].Detail; strings.Contains(d, " 0 nodes") || !strings.Contains(d, "unknown offline") {
		t.Fatalf("restore step offline: %q", d)
	}
}

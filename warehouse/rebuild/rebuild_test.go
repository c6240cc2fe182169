package rebuild_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// The migration changes amount from DOUBLE PRECISION to an exact decimal.
const migration = `-- amounts become exact
CREATE TABLE {{.NewTable}} (
    id         BIGINT NOT NULL,
    amount     DECIMAL(12,2),
    name       VARCHAR(64)
);
`

const files = 12

// writeFile appends one lake file of n rows starting at id first.
func writeFile(t *testing.T, store lake.Store, first, n int) {
	t.Helper()
	writeVersion(t, store, first, n, 1.25)
}

// aggregates of the lake written by writeLake: ids 1..files*50.
type aggregates struct {
	rows, sumID, names int64
	sumAmount          string // exact, two decimals
}

func expected(n int64) aggregates {
	sum := n * (n + 1) / 2
	cents := new(big.Int).Mul(big.NewInt(sum), big.NewInt(125))
	return aggregates{rows: n, sumID: sum, names: 7, sumAmount: fmt.Sprintf("%s.%02d", new(big.Int).Div(cents, big.NewInt(100)), new(big.Int).Mod(cents, big.NewInt(100)).Int64())}
}

func writeLake(t *testing.T) (string, lake.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for i := range files {
		writeFile(t, store, 1+i*50, 50)
	}
	return dir, store
}

type target struct {
	name, url, into string
}

func targets(t *testing.T) []target {
	out := []target{{name: "duckdb", url: "duckdb://" + filepath.Join(t.TempDir(), "wh.duckdb"), into: "orders"}}
	return append(out, target{name: "postgres", url: testenv.Postgres(t), into: "analytics.orders"})
}

// agg reads the per-column aggregates of a warehouse table and its amount
// column's type.
func agg(t *testing.T, wh warehouse.Warehouse, qualified string) (aggregates, string) {
	t.Helper()
	var a aggregates
	var sum string
	err := wh.Query(context.Background(), "SELECT count(*), sum(id), count(DISTINCT name), CAST(sum(amount) AS VARCHAR) FROM "+qualified, nil,
		func(scan func(...any) error) error { return scan(&a.rows, &a.sumID, &a.names, &sum) })
	if err != nil {
		t.Fatal(err)
	}
	a.sumAmount = sum
	schemaName, name, _ := strings.Cut(qualified, ".")
	var typ string
	err = wh.Query(context.Background(), fmt.Sprintf("SELECT data_type FROM information_schema.columns WHERE table_schema = '%s' AND table_name = '%s' AND column_name = 'amount'", schemaName, name), nil,
		func(scan func(...any) error) error { return scan(&typ) })
	if err != nil {
		t.Fatal(err)
	}
	return a, strings.ToLower(typ)
}

func qualify(tg target, wh warehouse.Warehouse) string {
	if strings.Contains(tg.into, ".") {
		return tg.into
	}
	return wh.DefaultSchema() + "." + tg.into
}

type slowProgress struct {
	marker string
	n      int
}

func (*slowProgress) SetTotal(int64) {}
func (p *slowProgress) Add(int64, int64) {
	p.n++
	_ = os.WriteFile(p.marker, []byte(strconv.Itoa(p.n)), 0o644)
	time.Sleep(300 * time.Millisecond)
}
func (*slowProgress) Done() {}

// TestHelperRebuildChild is the child process of the kill -9 test.
func TestHelperRebuildChild(t *testing.T) {
	if os.Getenv("LAKECTL_RB_CHILD") != "1" {
		t.Skip("child process of TestRebuildKilledMidLoadResumesExactlyOnce")
	}
	ctx := context.Background()
	store, err := lake.Open(ctx, os.Getenv("LAKECTL_RB_LAKE"), lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := warehouse.Open(ctx, os.Getenv("LAKECTL_RB_URL"), warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Into: os.Getenv("LAKECTL_RB_INTO"), Migration: migration,
		Progress: &slowProgress{marker: os.Getenv("LAKECTL_RB_MARKER")}})
	t.Fatalf("rebuild returned (%v) instead of being killed", err)
}

func TestRebuildKilledMidLoadResumesExactlyOnce(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			dir, store := writeLake(t)
			wh, err := warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// The table as it is before the rebuild: loaded with the lake's
			// own types (amount DOUBLE).
			if _, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into}); err != nil {
				t.Fatal(err)
			}
			qual := qualify(tg, wh)
			if _, typ := agg(t, wh, qual); !strings.Contains(typ, "double") {
				t.Fatalf("before: amount is %s", typ)
			}
			wh.Close() // DuckDB: one process at a time

			marker := filepath.Join(t.TempDir(), "loaded")
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRebuildChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LAKECTL_RB_CHILD=1", "LAKECTL_RB_LAKE="+dir, "LAKECTL_RB_URL="+tg.url,
				"LAKECTL_RB_INTO="+tg.into, "LAKECTL_RB_MARKER="+marker)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(90 * time.Second)
			for {
				if b, err := os.ReadFile(marker); err == nil {
					if n, _ := strconv.Atoi(string(b)); n >= 3 {
						break
					}
				}
				if time.Now().After(deadline) {
					_ = cmd.Process.Kill()
					t.Fatal("child never loaded 3 files")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()

			st, err := rebuild.Status(ctx, store)
			if err != nil || len(st.Runs) != 1 || st.Runs[0].State != rebuild.RunRunning {
				t.Fatalf("status after kill: %+v %v", st, err)
			}
			killed := st.Runs[0]
			if killed.Files < 3 || killed.Files >= files {
				t.Fatalf("killed run checkpointed %d files, want mid-load", killed.Files)
			}

			wh, err = warehouse.Open(ctx, tg.url, warehouse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer wh.Close()
			// A second apply is refused while the run is unfinished.
			if _, err := rebuild.Apply(ctx, store, wh, rebuild.Options{Table: "orders", Into: tg.into, Migration: migration}); !errors.As(err, new(*rebuild.UnfinishedError)) {
				t.Fatalf("apply over an unfinished run: %v", err)
			}
			run, err := rebuild.Resume(ctx, store, wh, rebuild.ResumeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if run.State != rebuild.RunDone || run.Files != files || run.LakeRows != files*50 || run.TableRows != files*50 {
				t.Fatalf("resumed run: state %s, %d files (want %d: none twice), lake %d rows, table %d", run.State, run.Files, files, run.LakeRows, run.TableRows)
			}
			got, typ := agg(t, wh, qual)
			if want := expected(files * 50); got.rows != want.rows || got.sumID != want.sumID || got.names != want.names || !strings.HasPrefix(got.sumAmount, want.sumAmount) {
				t.Fatalf("rebuilt table %+v, lake %+v", got, want)
			}
			if !strings.Contains(typ, "decimal") && !strings.Contains(typ, "numeric") {
				t.Fatalf("after: amount is %s, want the migration's decimal", typ)
			}
			for _, gone := range []string{qual + rebuild.NewSuffix, qual + rebuild.OldSuffix} {
				if n := count(t, wh, gone); n != 0 {
					t.Fatalf("%s left behind", gone)
				}
			}
			// The ledger follows the swap: a load finds nothing new, and a
			// new lake file loads once into the rebuilt table.
			if res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into}); err != nil || res.Files != 0 {
				t.Fatalf("load after rebuild: %+v %v", res, err)
			}
			writeFile(t, store, files*50+1, 10)
			if res, err := warehouse.Load(ctx, store, wh, warehouse.LoadOptions{Table: "orders", Into: tg.into}); err != nil || res.Rows != 10 {
				t.Fatalf("load of a new file after rebuild: %+v %v", res, err)
			}
			if got, typ := agg(t, wh, qual); got.rows != files*50+10 || !strings.Contains(typ, "decimal") && !strings.Contains(typ, "numeric") {
				t.Fatalf("after a later load: %+v, amount %s", got, typ)
			}
		})
	}
}

// count is the number of tables named schema.name.
func count(t *testing.T, wh warehouse.Warehouse, qualified string) int64 {
	schemaName, name, _ := strings.Cut(qualified, ".")
	var n int64
	err := wh.Query(context.Background(), fmt.Sprintf("SELECT count(*) FROM information_schema.tables WHERE table_schema = '%s' AND table_name = '%s'", schemaName, name), nil,
		func(scan func(...any) error) error { return scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

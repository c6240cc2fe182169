package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// redshiftRig is a Redshift stand-in for the binary: the SQL simulator
// over PostgreSQL, the control-plane fake with cluster "analytics" at 2
// nodes, an S3 lake in MinIO holding table orders, and a config file that
// names all of it.
type redshiftRig struct {
	c    *cli
	sim  *redshiftsim.Server
	fake *awsfake.RedshiftServer
	rows int64
}

func newRedshiftRig(t *testing.T, resizePolls int) *redshiftRig {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	sim := redshiftsim.StartServer(t)
	fake := awsfake.StartRedshift(t)
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", fake.URL)
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS", fake.URL)
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.4xlarge", Nodes: 2, Allowed: []int{1, 2, 4, 8}, ResizePolls: resizePolls})
	store, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	r := &redshiftRig{sim: sim, fake: fake}
	for i := range 6 {
		r.rows += appendOrders(t, store, i*500, 500)
	}
	r.c = newCLI(t)
	cfg := fmt.Sprintf("lake: %s\ns3_endpoint: %s\ns3_path_style: true\nwarehouse: %q\ncluster: analytics\nscale_poll_interval: 50ms\n",
		env.URL("lake"), env.Endpoint, sim.URL)
	path := filepath.Join(r.c.dir, "lakectl.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	r.c.global = []string{"--config", path}
	return r
}

// appendOrders commits one lake file of ids first..first+n-1.
func appendOrders(t *testing.T, store lake.Store, first, n int) int64 {
	t.Helper()
	ctx := context.Background()
	s := schema.Schema{Columns: []schema.Column{{Name: "id", Type: schema.TInt64}, {Name: "note", Type: schema.TString, Nullable: true}}}
	rows := make([]schema.Row, n)
	for i := range rows {
		rows[i] = schema.Row{schema.Int64Value(int64(first + i)), schema.StringValue(fmt.Sprintf("order %d", first+i))}
	}
	tbl, err := table.Open(store, "orders")
	if err != nil {
		t.Fatal(err)
	}
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpAppend})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Abort(ctx) }()
	w, err := tx.NewWriter(s, table.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return int64(n)
}

// count reads count(*) and sum(id) of a table straight from PostgreSQL.
func (r *redshiftRig) count(t *testing.T, qualified string) (n, sum int64) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, r.sim.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, "SELECT count(*), coalesce(sum(id), 0) FROM "+qualified).Scan(&n, &sum); err != nil {
		t.Fatalf("count %s: %v", qualified, err)
	}
	return n, sum
}

// waitFor polls cond until it holds (or fails the test after 60 s).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never saw: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// settledAt checks the cluster is idle at n nodes with no restore pending.
func (r *redshiftRig) settledAt(t *testing.T, n int) {
	t.Helper()
	nodes, status := r.fake.ClusterNodes("analytics")
	st := r.c.runOK(t, nil, "warehouse", "status")
	if nodes != n || status != "available" || strings.Contains(st.stdout, "pending:") {
		t.Fatalf("cluster %d nodes %s, want %d; status:\n%s", nodes, status, n, st.stdout)
	}
}

// reprocess --scale-to killed (kill -9) at each step: while the resize up
// runs, right after it (the load), while the restore runs. The next
// command restores the size, and a rerun loads every row exactly once.
func TestRedshiftReprocessScaleToKilledAtEachStep(t *testing.T) {
	steps := []struct {
		name string
		at   func(f *awsfake.RedshiftServer) bool
	}{
		{"resize up", func(f *awsfake.RedshiftServer) bool { return f.Count("ResizeCluster") == 1 }},
		{"load", func(f *awsfake.RedshiftServer) bool { n, _ := f.ClusterNodes("analytics"); return n == 8 }},
		{"restore", func(f *awsfake.RedshiftServer) bool { return f.Count("ResizeCluster") == 2 }},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			r := newRedshiftRig(t, 20)
			want := r.rows * (r.rows - 1) / 2
			r.c.runOK(t, nil, "warehouse", "load", "orders")
			p := r.c.start(t, "warehouse", "reprocess", "orders", "--scale-to", "8", "--yes")
			waitFor(t, step.name, func() bool { return step.at(r.fake) || p.exited() })
			if !p.kill9(t) {
				t.Fatalf("reprocess ended before the kill: %s", p.wait(t))
			}
			st := r.c.runOK(t, nil, "warehouse", "status")
			if !strings.Contains(st.stdout, "pending: resized from 2 nodes") {
				t.Fatalf("status after kill -9 at %s shows no pending restore:\n%s", step.name, st.stdout)
			}
			if n, sum := r.count(t, "public.orders"); n != 0 && (n != r.rows || sum != want) {
				t.Fatalf("after the kill the table holds %d rows (sum %d): neither the old nor the new load", n, sum)
			}
			// The next command that touches the warehouse restores first.
			res := r.c.runOK(t, nil, "warehouse", "load", "orders")
			if !strings.Contains(res.stderr, "restored provisioned analytics") {
				t.Fatalf("load did not restore: %s", res)
			}
			r.settledAt(t, 2)
			r.c.runOK(t, nil, "warehouse", "reprocess", "orders", "--scale-to", "8", "--yes")
			if n, sum := r.count(t, "public.orders"); n != r.rows || sum != want {
				t.Fatalf("rerun: %d rows, sum %d; lake %d rows, sum %d", n, sum, r.rows, want)
			}
			r.settledAt(t, 2)
		})
	}
}

// rebuild apply --scale-to killed while the cluster resizes up: status
// shows the run, resume finishes it (exactly once) and restores the size.
func TestRedshiftRebuildKilledThenResumed(t *testing.T) {
	r := newRedshiftRig(t, 20)
	r.c.runOK(t, nil, "warehouse", "load", "orders")
	m := filepath.Join(r.c.dir, "m.sql")
	if err := os.WriteFile(m, []byte("CREATE TABLE {{.NewTable}} (id BIGINT NOT NULL, note VARCHAR(64)) DISTKEY (id) SORTKEY (id);\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := r.c.start(t, "rebuild", "apply", "orders", "--migration", m, "--scale-to", "8", "--batch-files", "1", "--yes")
	waitFor(t, "resize up", func() bool { return r.fake.Count("ResizeCluster") == 1 || p.exited() })
	if !p.kill9(t) {
		t.Fatalf("rebuild ended before the kill: %s", p.wait(t))
	}
	st := r.c.runOK(t, nil, "rebuild", "status")
	if !strings.Contains(st.stdout, ": running") {
		t.Fatalf("rebuild status after kill:\n%s", st.stdout)
	}
	if res := r.c.run(t, "rebuild", "resume"); res.code != 0 {
		t.Fatalf("resume: %s", res)
	}
	want := r.rows * (r.rows - 1) / 2
	if n, sum := r.count(t, "public.orders"); n != r.rows || sum != want {
		t.Fatalf("rebuilt: %d rows, sum %d; lake %d rows, sum %d", n, sum, r.rows, want)
	}
	r.settledAt(t, 2)
}

// SIGTERM while the resize up is still running: the binary waits for the
// resize to end, restores the original size, removes its record and
// exits non-zero; nothing is left for the next command.
func TestRedshiftReprocessScaleToSIGTERMDuringResizeUp(t *testing.T) {
	r := newRedshiftRig(t, 20)
	p := r.c.start(t, "warehouse", "reprocess", "orders", "--scale-to", "8", "--yes")
	waitFor(t, "resize up", func() bool { return r.fake.Count("ResizeCluster") == 1 || p.exited() })
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	res := p.wait(t)
	if res.code == 0 || r.fake.Count("ResizeCluster") != 2 {
		t.Fatalf("after SIGTERM: %s\nresizes %d", res, r.fake.Count("ResizeCluster"))
	}
	r.settledAt(t, 2)
}

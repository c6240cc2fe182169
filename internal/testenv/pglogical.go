package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// envPostgresLogical is the admin URL of a PostgreSQL with wal_level =
// logical (scripts/testenv.sh starts one on 55432). The shared server on
// 5432 runs wal_level = replica and must not be reconfigured.
const envPostgresLogical = "LAKECTL_TEST_POSTGRES_LOGICAL"

// logicalCluster is the cluster this test binary started itself when the
// variable is unset: one per process, stopped by StopPostgresLogical.
var logicalCluster struct {
	once sync.Once
	url  string
	dir  string
	ctl  string
	err  error
}

// PostgresLogical creates a database on a PostgreSQL server with
// wal_level = logical and returns its URL (superuser postgres). Without
// LAKECTL_TEST_POSTGRES_LOGICAL it starts a private cluster (initdb into a
// temporary folder, a free port from 55433) shared by the process's tests:
// call StopPostgresLogical from TestMain.
func PostgresLogical(t testing.TB) string {
	t.Helper()
	base := os.Getenv(envPostgresLogical)
	if base == "" {
		logicalCluster.once.Do(startLogical)
		if logicalCluster.err != nil {
			Unavailable(t, "PostgreSQL with wal_level=logical", logicalCluster.err)
		}
		base = logicalCluster.url
	}
	return createPostgresDB(t, base, "PostgreSQL with wal_level=logical")
}

// StopPostgresLogical stops the cluster PostgresLogical started, if any,
// and removes its files.
func StopPostgresLogical() {
	c := &logicalCluster
	if c.dir == "" || c.err != nil {
		return
	}
	_ = asPostgres(c.ctl, "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(c.dir)
}

// watchdog stops the cluster and removes its files once this test
// process is gone, for test binaries without a TestMain that calls
// StopPostgresLogical (and after a kill -9 of the test binary).
func watchdog(ctl, data, dir string) {
	stop := asPostgres(ctl, "-D", data, "-m", "immediate", "-w", "stop")
	script := fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 0.5; done; %s >/dev/null 2>&1; rm -rf '%s'",
		os.Getpid(), shellJoin(stop.Args), dir)
	w := exec.Command("sh", "-c", script)
	w.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := w.Start(); err == nil {
		go func() { _ = w.Wait() }()
	}
}

func shellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}

// asPostgres runs a PostgreSQL program as the postgres user when root
// (initdb refuses root).
func asPostgres(prog string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

func pgBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		return "", errors.New("no /usr/lib/postgresql/*/bin/initdb")
	}
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return vi < vj
	})
	return filepath.Dir(dirs[len(dirs)-1]), nil
}

func freePort(from int) (int, error) {
	for p := from; p < from+100; p++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			_ = l.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free port in %d..%d", from, from+99)
}

func startLogical() {
	c := &logicalCluster
	c.err = func() error {
		bin, err := pgBinDir()
		if err != nil {
			return err
		}
		c.dir, err = os.MkdirTemp("", "lakectl-pglogical-")
		if err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			u, err := user.Lookup("postgres")
			if err != nil {
				return err
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(c.dir, uid, gid); err != nil {
				return err
			}
		}
		data := filepath.Join(c.dir, "data")
		if out, err := asPostgres(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
			return fmt.Errorf("initdb: %v: %s", err, out)
		}
		port, err := freePort(55433)
		if err != nil {
			return err
		}
		c.ctl = filepath.Join(bin, "pg_ctl")
		opts := fmt.Sprintf("-c wal_level=logical -c port=%d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c max_wal_senders=20 -c max_replication_slots=20",
			port, c.dir)
		if out, err := asPostgres(c.ctl, "-D", data, "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
			return fmt.Errorf("pg_ctl start: %v: %s", err, out)
		}
		c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		watchdog(c.ctl, data, c.dir)
		return nil
	}()
}

// createPostgresDB creates a fresh database on the server at base and
// drops it when the test ends.
func createPostgresDB(t testing.TB, base, service string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), serviceWaitS*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		Unavailable(t, service, err)
	}
	defer conn.Close(context.Background())
	name := Name("lt_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		// Slots of the database would block the drop.
		_, _ = c.Exec(context.Background(), "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1 AND NOT active", name)
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = c.Close(context.Background())
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

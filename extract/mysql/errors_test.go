package mysql

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

func TestBadInputFailsInOneRedactedLineAndChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE ok (id INT PRIMARY KEY, v INT)", "INSERT INTO ok VALUES (1, 1)")
	const pw = "s3cretPassw0rd"
	tcs := []struct {
		name, dsn, table string
		usage            bool
		want             string
	}{
		{"wrong port", "mysql://root:" + pw + "@127.0.0.1:1/" + f.my.Name, "ok", false, "connect to MySQL at 127.0.0.1:1"},
		{"wrong password", "mysql://root:" + pw + "@127.0.0.1:3306/" + f.my.Name, "ok", false, "connect to MySQL"},
		{"wrong password, driver form", "root:" + pw + "@tcp(127.0.0.1:3306)/" + f.my.Name, "ok", false, "connect to MySQL"},
		{"unknown database", f.my.URL, "nodb_here.ok", true, `database "nodb_here" does not exist`},
		{"unknown table", f.my.URL, "missing", true, "does not exist"},
		{"no database", "mysql://root@127.0.0.1:3306/", "ok", true, "names no database"},
	}
	for _, tc := range tcs {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.extract(Options{DSN: tc.dsn, Table: tc.table})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error leaks the password or spans lines: %q", err)
			}
			var usage *input.Error
			if errors.As(err, &usage) != tc.usage {
				t.Errorf("usage error = %v, want %v (exit %d)", !tc.usage, tc.usage, clierr.Code(err))
			}
			f.lakeUntouched("ok")
			f.lakeUntouched("missing")
		})
	}
}

func TestSecondRunExitsLockedWhileFirstHoldsTheJob(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE busy (id INT PRIMARY KEY)", "INSERT INTO busy VALUES (1)")
	ctx := context.Background()
	lock, err := table.AcquireLock(ctx, f.store, "extract-mysql-busy", table.LockOptions{Command: "extract mysql busy"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.extract(f.opts("busy"))
	var locked *lake.LockedError
	if !errors.As(err, &locked) || clierr.Code(err) != 75 {
		t.Fatalf("err = %v (exit %d), want a LockedError (exit 75)", err, clierr.Code(err))
	}
	f.lakeUntouched("busy")
	if err := lock.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if res := f.mustExtract(f.opts("busy")); res.Rows != 1 {
		t.Fatalf("after release: %d rows, want 1", res.Rows)
	}
}

func TestLostConnectionMidRunCommitsNothing(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(50))",
		"INSERT INTO big SELECT seq, REPEAT('x', 40) FROM seq_1_to_300000")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() { // kill the extract's connection once it is reading
		for ctx.Err() == nil {
			var id int64
			err := f.my.DB.QueryRowContext(ctx, "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND INFO LIKE 'SELECT %`big`%LIMIT%' LIMIT 1").Scan(&id)
			if err == nil {
				_, _ = f.my.DB.ExecContext(ctx, "KILL CONNECTION ?", id)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	o := f.opts("big")
	o.ChunkRows = 2000
	o.Incremental, o.Cursor = true, "id"
	_, err := f.extract(o)
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v, want a one-line failure", err)
	}
	f.lakeUntouched("big")
}

func TestCursorTypeErrorQuotesEnumValuesAsDeclared(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE st (id INT PRIMARY KEY, state ENUM('Open','Closed'))", "INSERT INTO st VALUES (1, 'Open')")
	o := f.opts("st")
	o.Incremental, o.Cursor = true, "state"
	_, err := f.extract(o)
	if err == nil || !strings.Contains(err.Error(), "enum('Open','Closed')") {
		t.Fatalf("err = %v, want the ENUM as declared", err)
	}
	f.lakeUntouched("st")
}

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// The adversarial run (issue 12): bad inputs and faults, each with its
// exit code, its one-line message, and a check that nothing changed (the
// lake tree, the warehouse's rows, the working directory); corrupted
// bookkeeping, each repaired by `lake doctor --repair` into a table the
// next command uses with rows exact.

// badCase is one row of the adversarial table.
type badCase struct {
	name string
	args []string
	code int
	msg  string        // regexp the one error line must match
	max  time.Duration // the run must end within this (0: no bound)
	// fault: a service failed mid-run; see snapshot.
	fault bool
	// report: the command reports what it did on stdout even when it
	// fails (extract api, per source).
	report bool
}

// adversary is the pipeline the cases attack: a source, a file lake and
// a DuckDB warehouse loaded once.
type adversary struct {
	src  *source
	lk   lakeUnderTest
	lake string
	c    *cli
	duck warehouseUnderTest
	seen map[version]string // every version extracted
}

func newAdversary(t *testing.T) *adversary {
	src := newSource(t, seededRand(t))
	src.insert(t, 300, src.clock(0))
	lk := fileLake(t)
	a := &adversary{src: src, lk: lk, lake: lk.local(t), c: newCLI(t, append(lk.flags, "-q")...), duck: duckWarehouse(t), seen: map[version]string{}}
	a.c.runOK(t, nil, extractArgs(src)...)
	addAll(a.seen, src.versions(t))
	a.c.runOK(t, nil, loadArgs(a.duck)...)
	return a
}

// snapshot is what must not change: the lake tree, the working directory
// (no ./warehouse.duckdb, no ./lake) and the warehouse's rows. A fault
// met mid-run may leave bookkeeping (an aborted commit record, by
// design): then only tables/ and the job states count.
func (a *adversary) snapshot(t *testing.T, fault bool) string {
	d := a.duck.digest(t)
	lake := treeHash(t, a.lake)
	if fault {
		lake = treeHash(t, filepath.Join(a.lake, "tables")) + treeHash(t, filepath.Join(a.lake, "_lakectl", "state"))
	}
	return fmt.Sprintf("%s %s %d %d %s", lake, treeHash(t, a.c.dir), d.Rows, d.SumCents, d.MD5)
}

func TestAdversarialInputsChangeNothing(t *testing.T) {
	a := newAdversary(t)
	dead := testenv.SilentListener(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "adversarialsecret")
	t.Setenv("AWS_REGION", "us-east-1")
	cases := append(typoCases(a), faultCases(t, a, dead)...)
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			before := a.snapshot(t, bc.fault)
			r := a.c.run(t, bc.args...)
			checkBadCase(t, bc, r)
			if after := a.snapshot(t, bc.fault); after != before {
				t.Errorf("%s changed the lake, the warehouse or the working directory", bc.name)
			}
		})
	}
	checkWarehouse(t, a.duck, a.src.digest(t))

	// Redaction keeps prose: the warning about a table without a primary
	// key is logged whole ("reading" is no secret).
	if _, err := a.src.db.DB.Exec("CREATE TABLE nopk (v INT)"); err != nil {
		t.Fatal(err)
	}
	r := a.c.run(t, "extract", "mysql", "--dsn", a.src.db.URL, "--table", a.src.db.Name+".nopk")
	if r.code != 0 || !strings.Contains(r.stderr, "no primary key: reading it as one stream") {
		t.Errorf("the no-primary-key warning is mangled: %s", r)
	}
}

func typoCases(a *adversary) []badCase {
	cfgDir := filepath.Join(a.c.dir, "xdg")
	wh := []string{"--warehouse", a.duck.url}
	return []badCase{
		{name: "load of a missing table", args: []string{"warehouse", "load", "nosuch"}, code: 2, msg: `table nosuch is not in the lake .*lake ls`},
		{name: "ls of a mistyped lake", args: []string{"--lake", a.lake + "x", "lake", "ls"}, code: 2, msg: `lake folder .*lakex does not exist; check --lake`},
		{name: "ls of a missing table", args: []string{"lake", "ls", "ordres"}, code: 2, msg: `table ordres is not in the lake`},
		{name: "compact of a missing table", args: []string{"lake", "compact", "ordres"}, code: 2, msg: `table ordres is not in the lake`},
		{name: "into with SQL", args: append(wh, "warehouse", "load", "orders", "--into", `x"; DROP TABLE y; --`), code: 2, msg: `--into .* is not SCHEMA.TABLE`},
		{name: "completion tcsh", args: []string{"completion", "tcsh"}, code: 2, msg: `unknown command "tcsh" for "lakectl completion"`},
		{name: "unknown command", args: []string{"lake", "lss"}, code: 2, msg: `unknown command "lss".*did you mean ls`},
		{name: "negative parallel", args: append(wh, "warehouse", "load", "orders", "--parallel", "-3"), code: 2, msg: `--parallel -3: must not be negative`},
		{name: "negative chunk rows", args: []string{"extract", "mysql", "--dsn", a.src.db.URL, "--table", a.src.table(), "--chunk-rows", "-1"}, code: 2, msg: `--chunk-rows -1: must not be negative`},
		{name: "zero connect timeout", args: []string{"--connect-timeout", "0s", "lake", "ls"}, code: 2, msg: `--connect-timeout "0s" is not a positive duration`},
		{name: "bad io timeout", args: []string{"--io-timeout", "soon", "lake", "ls"}, code: 2, msg: `--io-timeout`},
		{name: "postgres DSN to extract mysql", args: []string{"extract", "mysql", "--dsn", "postgres://u:pw@127.0.0.1:5432/db", "--table", "db.t"}, code: 2, msg: `--dsn is a postgres:// URL but extract mysql reads MySQL`},
		{name: "config is a folder", args: []string{"--config", cfgDir, "lake", "ls"}, code: 2, msg: `config file .* is a folder`},
		{name: "schema version past the last", args: []string{"catalog", "show", "orders", "--version", "99"}, code: 2, msg: `no schema version 99: its versions are 1 to \d+`},
		{name: "missing required flag", args: []string{"extract", "mysql", "--table", "db.t"}, code: 2, msg: `required flag.*dsn`},
	}
}

func faultCases(t *testing.T, a *adversary, dead string) []badCase {
	short := []string{"--connect-timeout", "1s", "--io-timeout", "2s"}
	// A bigger source than the server sends before the cut.
	big := newSource(t, seededRand(t))
	big.insert(t, 6000, big.clock(0))
	big.insert(t, 6000, big.clock(1))
	proxy := cutProxy(t, big.db.URL, 64<<10)
	spec := filepath.Join(t.TempDir(), "silent.json")
	writeFile(t, spec, `{"name": "silent", "base_url": "http://`+dead+`", "retry": {"attempts": 1},
		"endpoints": [{"name": "tx", "path": "/tx", "records_path": "/data", "pagination": {"type": "none"}}]}`)
	return []badCase{
		{name: "HTTP API that never answers", args: append(short, "extract", "api", "--source", spec),
			code: 1, msg: `GET http://` + regexp.QuoteMeta(dead) + `/tx: ` + regexp.QuoteMeta(dead) + ` sent nothing for 2s .*--io-timeout`, max: 8 * time.Second, report: true},
		{name: "MySQL that never answers", args: append(short, "extract", "mysql", "--dsn", "mysql://root@"+dead+"/db", "--table", "db.orders"),
			code: 1, msg: `MySQL at ` + regexp.QuoteMeta(dead) + ` did not answer within the connect timeout of 1s.*--connect-timeout`, max: 8 * time.Second},
		{name: "PostgreSQL that never answers", args: append(short, "--warehouse", "postgres://u@"+dead+"/db?sslmode=disable", "warehouse", "load", "orders"),
			code: 1, msg: regexp.QuoteMeta(dead) + `.*(connect|io) timeout`, max: 8 * time.Second},
		{name: "S3 that never answers", args: append(short, "--lake", "s3://bucket/lake", "--s3-endpoint", "http://"+dead, "--s3-path-style", "lake", "ls"),
			code: 1, msg: regexp.QuoteMeta(dead) + ` sent nothing for 2s .*--io-timeout`, max: 8 * time.Second},
		{name: "MySQL refuses the password", args: []string{"extract", "mysql", "--dsn", strings.Replace(a.src.db.URL, "root@", "root:adversarialsecret@", 1), "--table", a.src.table(), "--as", "orders"},
			code: 1, msg: `Access denied for user 'root'.*\(using password: YES\)`},
		{name: "PostgreSQL unreachable", args: []string{"--warehouse", "postgres://u@127.0.0.1:1/db?sslmode=disable", "warehouse", "load", "orders"},
			code: 1, msg: `connect to postgres://u@127.0.0.1:1/db.*check that the warehouse server runs`},
		{name: "MariaDB dying mid-read", args: []string{"extract", "mysql", "--dsn", proxy, "--table", big.table(), "--as", "orders", "--chunk-rows", "100000"},
			code: 1, msg: `the connection to MySQL at 127.0.0.1:\d+ was lost.*rerun`, fault: true},
	}
}

// checkBadCase asserts a row's exit code, its one error line and its
// bound on time.
func checkBadCase(t *testing.T, bc badCase, r result) {
	t.Helper()
	if r.code != bc.code {
		t.Fatalf("exit %d, want %d: %s", r.code, bc.code, r)
	}
	if bc.report {
		if n := len(nonEmptyLines(r.stderr)); n != 1 {
			t.Errorf("want the error as one line on stderr, got %d: %s", n, r)
		}
	} else {
		checkOneErrorLine(t, r)
	}
	t.Logf("exit %d in %.1fs: %s", r.code, r.dur.Seconds(), strings.TrimSpace(r.stderr))
	if !regexp.MustCompile(bc.msg).MatchString(r.stderr) {
		t.Errorf("message does not match %q: %s", bc.msg, r)
	}
	if strings.Contains(r.stderr, "adversarialsecret") {
		t.Errorf("secret printed: %s", r)
	}
	checkPrefixesOnce(t, r)
	if bc.max > 0 && r.dur > bc.max {
		t.Errorf("took %s, want at most %s", r.dur.Round(time.Millisecond), bc.max)
	}
}

// checkPrefixesOnce fails on "lineage of X: lineage of X" and the like.
func checkPrefixesOnce(t *testing.T, r result) {
	t.Helper()
	parts := strings.Split(strings.TrimSpace(r.stderr), ": ")
	for i := 1; i < len(parts); i++ {
		if parts[i] == parts[i-1] {
			t.Errorf("prefix %q added twice: %s", parts[i], r)
		}
	}
}

// treeHash hashes every path and file under dir ("absent" when dir does
// not exist).
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return "absent"
	}
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		io.WriteString(h, rel+"\x00")
		if d.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		t.Fatalf("hash %s: %v", dir, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// cutProxy starts a TCP proxy in front of the MySQL server of dsnURL
// that closes both sides once the server has sent after bytes (a server
// dying mid-read), and returns the DSN through it.
func cutProxy(t *testing.T, dsnURL string, after int64) string {
	u, err := url.Parse(dsnURL)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	target := u.Host
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go pipeAndCut(c, target, after)
		}
	}()
	u.Host = l.Addr().String()
	return u.String()
}

func pipeAndCut(c net.Conn, target string, after int64) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	go func() { _, _ = io.Copy(s, c) }()
	var sent atomic.Int64
	buf := make([]byte, 4096)
	for sent.Load() < after {
		n, err := s.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
			sent.Add(int64(n))
		}
		if err != nil {
			return
		}
	}
}

// A disk that fills up mid-write (here: a file size limit, which fails
// writes the same way, with EFBIG instead of ENOSPC) ends the extract
// with one line naming the write that failed, never "read/write on closed
// pipe", and leaves tables/ and the job's state as they were.
func TestFullDiskChangesNothing(t *testing.T) {
	a := newAdversary(t)
	big := newSource(t, seededRand(t))
	big.insert(t, 6000, big.clock(0))
	big.insert(t, 6000, big.clock(1))
	before := a.snapshot(t, true)
	args := []string{"extract", "mysql", "--dsn", big.db.URL, "--table", big.table(), "--as", "orders"}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := a.c.command(ctx, args)
	// ulimit -f counts 512-byte blocks in sh: 32 KiB per file.
	cmd.Path = "/bin/sh"
	cmd.Args = append([]string{"sh", "-c", `ulimit -f 64 && exec "$0" "$@"`}, cmd.Args...)
	err := cmd.Run()
	r := result{args: args, code: exitCode(t, err), stdout: stdout.String(), stderr: stderr.String()}
	checkBadCase(t, badCase{name: "full disk", code: 1, msg: `(file too large|no space left on device).*free space on the disk`}, r)
	if strings.Contains(r.stderr, "closed pipe") {
		t.Errorf("the pipe is named, not the disk: %s", r)
	}
	if after := a.snapshot(t, true); after != before {
		t.Errorf("a failed write changed tables/, a job state, the working directory or the warehouse")
	}
}

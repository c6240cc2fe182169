package cmd

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// captureExtractFiles parses args with newCmdExtractFiles and returns the
// options the run function would get.
func captureExtractFiles(t *testing.T, args ...string) (*extractFilesOptions, error) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	var got *extractFilesOptions
	c := newCmdExtractFiles(NewFactory(io), func(o *extractFilesOptions) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&bytes.Buffer{})
	c.SetErr(&bytes.Buffer{})
	err := c.Execute()
	return got, err
}

func TestExtractFilesFlagsBecomeOptions(t *testing.T) {
	o, err := captureExtractFiles(t, "--from", "s3://landing/firehose/",
		"--route", `^(?P<stream>open|click)/=push_{stream}`, "--route", `^a=b=tbl`,
		"--format", "jsonl", "--job", "feedback", "--since", "2026-11-30", "--key", "id,type", "--cursor", "ts",
		"--partition-by", "_ingested_at:hour", "--skip-bad-records", "--reingest-changed")
	if err != nil {
		t.Fatal(err)
	}
	if o.From != "s3://landing/firehose/" || o.Format != "jsonl" || o.Job != "feedback" || o.Cursor != "ts" ||
		o.PartitionBy != "_ingested_at:hour" || !o.SkipBadRecords || !o.ReingestChanged {
		t.Fatalf("options %+v", o)
	}
	if len(o.Routes) != 2 || o.Routes[0].Table != "push_{stream}" || o.Routes[1].Re.String() != "^a=b" || o.Routes[1].Table != "tbl" {
		t.Fatalf("routes %+v", o.Routes)
	}
	if !o.Since.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)) || len(o.Key) != 2 {
		t.Fatalf("since %v key %v", o.Since, o.Key)
	}
	o, err = captureExtractFiles(t, "--from", "drops", "--route", "x=y")
	if err != nil || o.Format != "auto" || o.Job != "" || o.SkipBadRecords {
		t.Fatalf("defaults: %+v %v", o, err)
	}
}

func TestExtractFilesRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--route", "x=y"},
		{"--from", "s3://b/p"},
		{"--from", "s3://b/p", "--route", "noequals"},
		{"--from", "s3://b/p", "--route", "(=t"},
		{"--from", "s3://b/p", "--route", "x=Bad-Name"},
		{"--from", "s3://b/p", "--route", "(?P<s>x)=t_{other}"},
		{"--from", "s3://b/p", "--route", "x=y", "--format", "xml"},
		{"--from", "s3://b/p", "--route", "x=y", "--since", "yesterday"},
		{"--from", "s3://b/p", "--route", "x=y", "--partition-by", "ts:week"},
	} {
		if _, err := captureExtractFiles(t, args...); clierr.Code(err) != clierr.ExitUsage {
			t.Errorf("%q: err %v (exit %d), want a usage error", args, err, clierr.Code(err))
		}
	}
}

// The whole command over a folder of landed objects, JSON output.
func TestExtractFilesCommandIngestsAFolder(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"id":1,"kind":"open"}{"id":2,"kind":"open"}`))
	zw.Close()
	for name, body := range map[string][]byte{
		"open/2026/11/30/10/feed-1":  gz.Bytes(),
		"click/2026/11/30/10/feed-1": []byte("{\"id\":3}\n{\"id\":oops}\n"),
		"notes.txt":                  []byte("hello"),
	} {
		p := filepath.Join(land, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lk := filepath.Join(dir, "lake")
	args := []string{"--lake", lk, "-o", "json", "extract", "files", "--from", land, "--route", `^(?P<s>open|click)/=push_{s}`}
	code, out, stderr := run(t, args...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 for the bad line; stderr %s", code, stderr)
	}
	var res struct {
		Rows      int64    `json:"rows"`
		Files     int64    `json:"files"`
		Bytes     int64    `json:"bytes"`
		DurationS *float64 `json:"duration_s"`
		Unmatched int      `json:"unmatched"`
		Failed    []struct {
			Key  string `json:"key"`
			Line int    `json:"line"`
		} `json:"failed"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Rows != 2 || res.Files != 1 || res.Bytes == 0 || res.DurationS == nil || res.Unmatched != 1 ||
		len(res.Failed) != 1 || res.Failed[0].Key != "click/2026/11/30/10/feed-1" || res.Failed[0].Line != 2 {
		t.Fatalf("result %s", out)
	}
	if !bytes.Contains([]byte(stderr), []byte("--skip-bad-records")) {
		t.Errorf("stderr does not say what to do: %s", stderr)
	}
	code, out, stderr = run(t, append(args, "--skip-bad-records")...)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	if code, _, stderr = run(t, "--lake", lk, "extract", "files", "--from", filepath.Join(dir, "nope"), "--route", "x=y"); code != 2 {
		t.Fatalf("missing folder: exit %d %s", code, stderr)
	}
}

// run --every runs the extract-files job each cycle, picks up objects
// landed between cycles, and stops with exit 0 when its context ends (as
// SIGTERM does), reporting one JSON document.
func TestRunEveryIngestsWhatLandsUntilStopped(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing", "open")
	if err := os.MkdirAll(land, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "lakectl.yaml")
	conf := "lake: " + filepath.Join(dir, "lake") + "\njobs:\n" +
		"  - {name: landed, type: extract-files, from: " + filepath.Join(dir, "landing") + ", routes: ['^(?P<s>open)/=push_{s}'], skip_bad_records: true}\n" +
		"  - {name: broken, type: extract-files, from: " + filepath.Join(dir, "missing") + ", routes: ['x=y']}\n" +
		"  - {name: hourly, type: catalog, tables: [push_open], every: 1h}\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	land1 := func(i int) {
		body := []byte(`{"id":` + string(rune('0'+i)) + `}` + "\n")
		if err := os.WriteFile(filepath.Join(land, "obj-"+string(rune('a'+i))+".jsonl"), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	land1(0)
	ctx, cancel := context.WithCancel(context.Background())
	io, _, out, errOut := iostreams.Test()
	done := make(chan int)
	go func() { done <- Run(ctx, io, []string{"--config", cfg, "-o", "json", "run", "--every", "150ms"}) }()
	time.Sleep(400 * time.Millisecond)
	land1(1)
	land1(2)
	time.Sleep(500 * time.Millisecond)
	cancel()
	var code int
	select {
	case code = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run --every did not stop")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res EveryResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// 3 rows extracted, and the hourly catalog job's crawl counted the 1
	// row of the first cycle.
	if res.Cycles < 3 || res.Rows != 3+1 || res.FailedCycles != res.Cycles {
		t.Fatalf("cycles %d failed %d rows %d: %s", res.Cycles, res.FailedCycles, res.Rows, out)
	}
	if n := len(res.Last.Jobs); n != 2 {
		t.Fatalf("the last cycle ran %d jobs, want 2 (the hourly one ran in the first cycle only)", n)
	}
}

func TestRunPlansAndChecksExtractFilesJobs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lakectl.yaml")
	write := func(job string) {
		if err := os.WriteFile(cfg, []byte("lake: "+filepath.Join(dir, "lake")+"\njobs:\n  - "+job+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(`{name: landed, type: extract-files, from: "s3://landing/feed/", routes: ['^open/=push_open'], format: jsonl, since: "2026-11-01", key: [id], cursor: ts, partition_by: "ts:day", skip_bad_records: true, reingest_changed: true, job: feed}`)
	code, out, errOut := run(t, "--config", cfg, "-o", "json", "run", "--dry-run")
	if code != 0 || !strings.Contains(out, `"planned"`) || !strings.Contains(out, "s3://landing/feed/") {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	write(`{name: landed, type: extract-files, from: "s3://landing/feed/", routes: ['(=t']}`)
	// refused before any job plans (exit 2), naming the job
	if code, _, errOut = run(t, "--config", cfg, "run", "--dry-run"); code != 2 || !strings.Contains(errOut, "job landed: ") || !strings.Contains(errOut, "route") {
		t.Fatalf("a bad route: exit %d: %s", code, errOut)
	}
	write(`{name: landed, type: extract-files, from: "s3://landing/feed/", routes: ['x=y'], unknown_key: 1}`)
	if code, _, errOut = run(t, "--config", cfg, "run", "--dry-run"); code != 2 {
		t.Fatalf("an unknown key: exit %d: %s", code, errOut)
	}
}

// A stop signal during a job lets it finish: every object landed before
// is committed, and the run exits 0.
func TestRunEveryFinishesTheJobInHand(t *testing.T) {
	dir := t.TempDir()
	land := filepath.Join(dir, "landing", "open")
	if err := os.MkdirAll(land, 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range 400 {
		body := bytes.Repeat([]byte(`{"id":1,"v":"abcdefghijklmnopqrstuvwxyz"}`+"\n"), 50)
		if err := os.WriteFile(filepath.Join(land, fmt.Sprintf("o-%04d.jsonl", i)), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := filepath.Join(dir, "lakectl.yaml")
	conf := "lake: " + filepath.Join(dir, "lake") + "\njobs:\n" +
		"  - {name: landed, type: extract-files, from: " + filepath.Join(dir, "landing") + ", routes: ['^open/=push_open']}\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	io, _, out, errOut := iostreams.Test()
	done := make(chan int)
	go func() { done <- Run(ctx, io, []string{"--config", cfg, "-o", "json", "run", "--every", "1h"}) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "lake", "_lakectl", "tables", "*", "txns", "*.json")); len(m) > 0 {
			break // the job is writing its transaction
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res EveryResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Cycles != 1 || res.Rows != 400*50 || res.Last.Jobs[0].Status != "ok" {
		t.Fatalf("cycles %d rows %d: %s", res.Cycles, res.Rows, out)
	}
}

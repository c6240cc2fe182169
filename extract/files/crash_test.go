package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
)

// The crash test's child: the test binary runs one Extract (childSpec as
// JSON) instead of the tests, and is killed with SIGKILL mid-run.
const envChild = "LAKECTL_FILES_TEST_CHILD"

type childSpec struct {
	From, Lake, Endpoint string
	Routes               []string
	Batch                int
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(envChild); spec != "" {
		os.Exit(runChild(spec))
	}
	if spec := os.Getenv(envBenchChild); spec != "" {
		os.Exit(runBenchChild(spec))
	}
	os.Exit(m.Run())
}

func runChild(spec string) int {
	var c childSpec
	if err := json.Unmarshal([]byte(spec), &c); err != nil {
		return 2
	}
	ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
	lk, err := lake.NewFileStore(c.Lake)
	if err != nil {
		return 2
	}
	src, err := OpenSource(ctx, c.From, lake.Options{S3Endpoint: c.Endpoint, S3PathStyle: true})
	if err != nil {
		return 2
	}
	o := Options{From: c.From, Job: "landed", BatchObjects: c.Batch, Concurrency: 2}
	for _, s := range c.Routes {
		r, _ := ParseRoute(s)
		o.Routes = append(o.Routes, r)
	}
	if _, err := Extract(ctx, lk, src, o); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 1
	}
	return 0
}

// killAfter starts an Extract in a child process and SIGKILLs it once
// the lake holds `commits` commit records (0: once a file is staged).
func (f *fixture) killAfter(commits int, routes ...string) {
	f.t.Helper()
	spec, _ := json.Marshal(childSpec{From: f.url, Lake: f.dir, Endpoint: f.env.Endpoint, Routes: routes, Batch: 3})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+string(spec))
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if commits == 0 {
			staged, _ := filepath.Glob(filepath.Join(f.dir, "_lakectl", "tables", "*", "staging", "*", "*.parquet"))
			n = len(staged)
		} else {
			recs, _ := filepath.Glob(filepath.Join(f.dir, "_lakectl", "tables", "*", "commits", "*.json"))
			n = len(recs) - commits + 1
		}
		if n > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// A kill -9 at any point, then a rerun: every record of every object in
// the tables exactly once. Keys sorted by stream (a prefix per stream),
// and interleaved (one prefix, the table from the name), so that open
// transactions of several tables commit in between.
func TestKilledRunNeitherSkipsNorRepeatsAnObject(t *testing.T) {
	for _, layout := range []struct{ name, key, route string }{
		{"prefix per stream", "%[1]s/2026/11/30/%02[2]d/feed-%03[3]d", firehoseRoute},
		{"interleaved", "all/2026/11/30/%02[2]d/feed-%03[3]d-%[1]s", `-(?P<stream>open|click|delivery)$=push_{stream}`},
	} {
		t.Run(layout.name, func(t *testing.T) {
			f := newFixture(t)
			total := map[string]int{}
			n := 0
			for i := range 60 {
				stream := []string{"open", "click", "delivery"}[i%3]
				recs := events(stream, n, 40)
				n += len(recs)
				total["push_"+stream] += len(recs)
				f.put(fmt.Sprintf(layout.key, stream, 10+i/20, i), gz(jsonLines(recs, true)))
			}
			for _, commits := range []int{0, 1, 4, 9} {
				f.killAfter(commits, layout.route)
			}
			res := f.mustExtract(f.opts(layout.route))
			t.Logf("the rerun ingested %d objects", res.Objects)
			f.checkExactlyOnce(total, 20)
			if res = f.mustExtract(f.opts(layout.route)); res.Objects != 0 {
				t.Fatalf("a further run ingested %d objects", res.Objects)
			}
		})
	}
}

// checkExactlyOnce reads each table with DuckDB: as many rows as landed,
// no event twice, from the given number of objects.
func (f *fixture) checkExactlyOnce(total map[string]int, objects int) {
	f.t.Helper()
	for tbl, want := range total {
		var rows, distinct, objs int
		if err := f.duck(tbl).QueryRow("SELECT count(*), count(DISTINCT event_id), count(DISTINCT _source_key) FROM lk").Scan(&rows, &distinct, &objs); err != nil {
			f.t.Fatal(err)
		}
		if rows != want || distinct != want || objs != objects {
			f.t.Errorf("%s: %d rows, %d distinct, from %d objects; want %d, %d, %d", tbl, rows, distinct, objs, want, want, objects)
		}
	}
}

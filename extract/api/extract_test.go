package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
)

const testToken = "tok-SECRET-9f8e7d6c5b4a"

var runStart = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

func setTokens(t *testing.T) {
	t.Setenv("TEST_TOKEN_a1", testToken)
	t.Setenv("TEST_TOKEN_a2", testToken)
}

func newLake(t *testing.T) (lake.Store, string) {
	dir := t.TempDir()
	st, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

type aggregates struct {
	Rows, DistinctVersions int64
	SumAmount              string
	Accounts               int64
}

// tableAggregates reads the table back with DuckDB, as any engine would.
func tableAggregates(t *testing.T, dir, tbl string) aggregates {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var a aggregates
	q := fmt.Sprintf(`SELECT count(*), count(DISTINCT (id, updated_at)), coalesce(sum(amount),0)::VARCHAR, count(DISTINCT _account)
		FROM read_parquet('%s/tables/%s/**/*.parquet', hive_partitioning = true)`, dir, tbl)
	if err := db.QueryRow(q).Scan(&a.Rows, &a.DistinctVersions, &a.SumAmount, &a.Accounts); err != nil {
		t.Fatalf("read table %s: %v", tbl, err)
	}
	return a
}

// hasParquet reports whether a Parquet file is under dir.
func hasParquet(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".parquet") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// expected is what the partner holds for the windows [from, to).
func (p *partner) expected(from, to time.Time, accounts ...string) (int64, string) {
	sum := new(big.Rat)
	var n int64
	for _, a := range accounts {
		for _, r := range p.records(a, from, to) {
			v, _ := new(big.Rat).SetString(string(r.Amount.(json.Number)))
			sum.Add(sum, v)
			n++
		}
	}
	return n, sum.FloatString(2)
}

// rawMember is one response of a raw object: its metadata and its body.
type rawMember struct {
	meta rawMeta
	body []byte
}

// rawMembers reads a raw object gzip member by gzip member with Go's
// gzip reader (not lakectl's).
func rawMembers(t *testing.T, path string) []rawMember {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := bytes.NewReader(b)
	var out []rawMember
	zr, err := gzip.NewReader(r)
	for err == nil {
		zr.Multistream(false)
		m, ok, merr := metaOfExtra(zr.Extra)
		if merr != nil || !ok {
			t.Fatalf("%s member %d: no metadata in the gzip header (%v)", path, len(out)+1, merr)
		}
		body, rerr := io.ReadAll(zr)
		if rerr != nil {
			t.Fatalf("%s member %d: %v", path, len(out)+1, rerr)
		}
		out = append(out, rawMember{meta: m, body: body})
		err = zr.Reset(r)
	}
	if err != io.EOF || len(out) == 0 {
		t.Fatalf("%s: %d members, then %v", path, len(out), err)
	}
	return out
}

// rawMetaOf reads the metadata in the first gzip header of a raw object.
func rawMetaOf(t *testing.T, path string) rawMeta {
	t.Helper()
	return rawMembers(t, path)[0].meta
}

// rawRecords sums the record counts of the raw metadata of successful pages.
func rawRecords(t *testing.T, dir, source string) int64 {
	var n int64
	filepath.Walk(filepath.Join(dir, "raw", source), func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, bodySuffix) {
			for _, m := range rawMembers(t, p) {
				if m.meta.Error == "" {
					n += int64(m.meta.Records)
				}
			}
		}
		return nil
	})
	return n
}

func run(t *testing.T, store lake.Store, now time.Time, opts Options) (*Result, error) {
	t.Helper()
	opts.Now = func() time.Time { return now }
	return Extract(context.Background(), store, opts)
}

func TestEveryPaginationStyleExtractsEveryRecordOnce(t *testing.T) {
	setTokens(t)
	for _, style := range []string{"none", "page", "offset", "cursor", "next", "link"} {
		t.Run(style, func(t *testing.T) {
			p := newPartner(t, testToken)
			store, dir := newLake(t)
			spec := specFor(t, p, "p_"+style, style, nil)
			res, err := run(t, store, runStart, Options{Sources: []string{spec}, Concurrency: 8})
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			wantRows, wantSum := p.expected(runStart.Add(-6*time.Hour), runStart, "a1", "a2")
			got := tableAggregates(t, dir, "p_"+style+"_tx")
			if got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum || got.Accounts != 2 {
				t.Errorf("table = %+v, want %d rows, sum %s, 2 accounts", got, wantRows, wantSum)
			}
			if raw := rawRecords(t, dir, "p_"+style); raw != wantRows {
				t.Errorf("raw metadata counts %d records, table has %d", raw, wantRows)
			}
			if res.Rows != wantRows || res.Records != wantRows || res.Errors != 0 {
				t.Errorf("result = %+v, want %d rows and records", res, wantRows)
			}
		})
	}
}

func TestRerunWithLookbackAddsNewWindowsWithoutDuplicates(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "inc", "cursor", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	later := runStart.Add(3 * time.Hour)
	res, err := run(t, store, later, Options{Sources: []string{spec}})
	if err != nil {
		t.Fatal(err)
	}
	wantRows, wantSum := p.expected(runStart.Add(-6*time.Hour), later, "a1", "a2")
	got := tableAggregates(t, dir, "inc_tx")
	if got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
		t.Errorf("after the second run table = %+v, want %d rows, sum %s", got, wantRows, wantSum)
	}
	// The second run re-fetched the lookback (2h) plus 3 new hours.
	if refetched, _ := p.expected(runStart.Add(-2*time.Hour), later, "a1", "a2"); res.Records != refetched {
		t.Errorf("second run received %d records, want %d (lookback + new hours)", res.Records, refetched)
	}
}

func TestReplayRebuildsTheSameRowsWithoutNetwork(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "rep", "page", nil)
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, store, runStart.Add(2*time.Hour), Options{Sources: []string{spec}}); err != nil {
		t.Fatal(err)
	}
	before := tableAggregates(t, dir, "rep_tx")
	p.srv.Close() // no network from here on
	n := p.requests.Load()
	res, err := run(t, store, runStart, Options{Sources: []string{spec}, Replay: true})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if after := tableAggregates(t, dir, "rep_tx"); after != before {
		t.Errorf("replay gives %+v, extraction gave %+v", after, before)
	}
	if res.Requests != 0 || p.requests.Load() != n {
		t.Errorf("replay sent %d requests", res.Requests)
	}
	// A ranged replay rebuilds only its windows and keeps the others.
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}, Replay: true,
		From: runStart.Add(-4 * time.Hour), To: runStart.Add(-2 * time.Hour)}); err != nil {
		t.Fatalf("ranged replay: %v", err)
	}
	if after := tableAggregates(t, dir, "rep_tx"); after != before {
		t.Errorf("ranged replay gives %+v, extraction gave %+v", after, before)
	}
}

func TestRetriesThrottlingAndServerErrorsThenSucceeds(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.fail = func(n int64, try int) int {
		// Every page: throttled, then a server error, then (for some) a
		// body cut short, then an answer.
		switch try {
		case 1:
			return 429
		case 2:
			return 503
		case 3:
			if n%2 == 0 {
				return -1
			}
		}
		return 0
	}
	store, dir := newLake(t)
	spec := specFor(t, p, "flaky", "offset", map[string]any{"retry": map[string]any{"attempts": 6, "backoff_base": "1ms", "backoff_max": "10ms"}})
	res, err := run(t, store, runStart, Options{Sources: []string{spec}, Concurrency: 4})
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	wantRows, wantSum := p.expected(runStart.Add(-6*time.Hour), runStart, "a1", "a2")
	if got := tableAggregates(t, dir, "flaky_tx"); got.Rows != wantRows || got.SumAmount != wantSum {
		t.Errorf("table = %+v, want %d rows, sum %s", got, wantRows, wantSum)
	}
	if res.Retries == 0 || res.Requests != p.requests.Load() {
		t.Errorf("result counts %d requests and %d retries; server saw %d", res.Requests, res.Retries, p.requests.Load())
	}
}

func TestNoRetryOnAuthFailureAndNothingWritten(t *testing.T) {
	t.Setenv("TEST_TOKEN_a1", "wrong-token-1234")
	t.Setenv("TEST_TOKEN_a2", "wrong-token-1234")
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "denied", "page", nil)
	res, err := run(t, store, runStart, Options{Sources: []string{spec}})
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("err = %v, want an authentication failure", err)
	}
	if clierr.Code(err) != 1 {
		t.Errorf("exit code %d, want 1", clierr.Code(err))
	}
	if res.Retries != 0 {
		t.Errorf("%d retries on 401, want none", res.Retries)
	}
	if _, err := os.Stat(filepath.Join(dir, "tables", "denied_tx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tables/denied_tx exists after a failed run: %v", err)
	}
}

func TestRateLimitIsNeverExceeded(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.perHour = 50
	store, _ := newLake(t)
	spec := specFor(t, p, "limited", "cursor", map[string]any{"rate_limit": map[string]any{"requests_per_second": 40, "burst": 4}})
	t0 := time.Now()
	res, err := run(t, store, runStart, Options{Sources: []string{spec}, Concurrency: 32})
	if err != nil {
		t.Fatal(err)
	}
	el := time.Since(t0)
	// In any 500 ms at most burst + rate*0.5 requests (+1 for clock edges).
	if got, limit := p.maxInWindow(500*time.Millisecond), 4+20+1; got > limit {
		t.Errorf("%d requests within 500ms, limit allows %d", got, limit)
	}
	rate := float64(res.Requests) / el.Seconds()
	t.Logf("%d requests in %s: %.1f req/s (limit 40)", res.Requests, el, rate)
	if rate > 40*1.1+4/el.Seconds() {
		t.Errorf("achieved %.1f req/s, above the limit 40", rate)
	}
}

func TestMalformedSpecIsAUsageErrorNamingFileAndPath(t *testing.T) {
	store, _ := newLake(t)
	dir := t.TempDir()
	cases := []struct{ name, doc, want string }{
		{"unknown", `{"name":"x","base_url":"http://h","endpoints":[{"name":"e","path":"/","pagination":{"type":"cursor","cursor_pth":"a"}}]}`, "$.endpoints[0].pagination.cursor_pth"},
		{"type", `{"name":"x","base_url":"http://h","endpoints":[{"name":"e","path":"/","pagination":{"type":"page","max_pages":"ten"}}]}`, "$.endpoints[0].pagination.max_pages"},
		{"syntax", "{\"name\":\"x\",\n\"base_url\": }", "line 2"},
		{"style", `{"name":"x","base_url":"http://h","endpoints":[{"name":"e","path":"/","pagination":{"type":"pages"}}]}`, "$.endpoints[0].pagination.type"},
		{"field", `{"name":"x","base_url":"http://h","endpoints":[{"name":"e","path":"/","fields":[{"name":"a","type":"decimal(99,2)"}]}]}`, "$.endpoints[0].fields[0].type"},
		{"template", `{"name":"x","base_url":"http://h","endpoints":[{"name":"e","path":"/{{.Account.ID"}]}`, "$.endpoints[0].path"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".json")
			os.WriteFile(path, []byte(c.doc), 0o644)
			_, err := Extract(context.Background(), store, Options{Sources: []string{path}})
			if clierr.Code(err) != clierr.ExitUsage {
				t.Fatalf("exit code %d (%v), want 2", clierr.Code(err), err)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s and %s", err, path, c.want)
			}
		})
	}
}

func TestMissingCredentialVariableFailsOnlyItsSource(t *testing.T) {
	t.Setenv("TEST_TOKEN_a1", testToken)
	os.Unsetenv("TEST_TOKEN_a2")
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	bad := specFor(t, p, "nocred", "page", nil)
	good := specFor(t, p, "good", "page", map[string]any{"accounts": []map[string]any{{"id": "a1"}}})
	res, err := run(t, store, runStart, Options{Sources: []string{bad, good}})
	if err == nil || !strings.Contains(err.Error(), "TEST_TOKEN_a2") || !strings.Contains(err.Error(), "not set") {
		t.Fatalf("err = %v, want it to name TEST_TOKEN_a2", err)
	}
	if res.Errors != 1 || res.Sources[1].Error != "" {
		t.Errorf("summary %+v: want only nocred failed", res.Sources)
	}
	wantRows, _ := p.expected(runStart.Add(-6*time.Hour), runStart, "a1")
	if got := tableAggregates(t, dir, "good_tx"); got.Rows != wantRows {
		t.Errorf("the healthy source wrote %d rows, want %d", got.Rows, wantRows)
	}
}

func TestSecretsNeverInRawLogsOrResult(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.fail = func(n int64, try int) int {
		if try == 1 && n%4 == 0 {
			return 500
		}
		return 0
	}
	store, dir := newLake(t)
	spec := specFor(t, p, "sec", "next", map[string]any{"auth": map[string]any{"type": "query", "param": "api_key", "token_env": "TEST_TOKEN_{{.Account.ID}}"}})
	var logs bytes.Buffer
	res, err := run(t, store, runStart, Options{Sources: []string{spec}, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(res)
	for what, b := range map[string][]byte{"logs": logs.Bytes(), "result": out} {
		if bytes.Contains(b, []byte(testToken)) {
			t.Errorf("the token appears in the %s", what)
		}
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("no retry was logged; the test did not exercise the log path")
	}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			if bytes.Contains(b, []byte(testToken)) {
				t.Errorf("the token appears in %s", path)
			}
		}
		return nil
	})
}

func TestBadBodiesAreKeptInRawAndReported(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, dir := newLake(t)
	spec := specFor(t, p, "junk", "garbage", nil)
	_, err := run(t, store, runStart, Options{Sources: []string{spec}})
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("err = %v, want a JSON error", err)
	}
	bodies, _ := filepath.Glob(filepath.Join(dir, "raw/junk/tx/dt=*/*.json.gz"))
	if len(bodies) == 0 {
		t.Errorf("the bad body was not kept in raw/")
	}
	if _, err := os.Stat(filepath.Join(dir, "tables", "junk_tx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tables/junk_tx exists after bad bodies")
	}
}

func TestPaginationStopsOnARepeatedCursor(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	store, _ := newLake(t)
	spec := specFor(t, p, "loop", "loop", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := Extract(ctx, store, Options{Sources: []string{spec}, Now: func() time.Time { return runStart }}); err != nil {
		t.Fatal(err)
	}
	// 2 accounts x 3 windows, 2 pages each (the second repeats the token).
	if n := p.requests.Load(); n != 12 {
		t.Errorf("%d requests, want 12", n)
	}
}

func TestCancelledRunResumesWithoutDuplicates(t *testing.T) {
	setTokens(t)
	p := newPartner(t, testToken)
	p.delay = 5 * time.Millisecond
	store, dir := newLake(t)
	spec := specFor(t, p, "cut", "cursor", map[string]any{"endpoint.window": map[string]any{"granularity": "hour", "start": "2025-12-20T00:00:00Z", "lookback": "1h"}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Cut after a commit (commits are spaced up to a second apart),
		// so the resumed run starts from a partly extracted table.
		for p.requests.Load() < 1500 || !hasParquet(filepath.Join(dir, "tables", "cut_tx")) {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := Extract(ctx, store, Options{Sources: []string{spec}, Concurrency: 16, Now: func() time.Time { return runStart }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first run: %v, want it cancelled", err)
	}
	partial := tableAggregates(t, dir, "cut_tx")
	if _, err := run(t, store, runStart, Options{Sources: []string{spec}, Concurrency: 16}); err != nil {
		t.Fatal(err)
	}
	start, _ := time.Parse(time.RFC3339, "2025-12-20T00:00:00Z")
	wantRows, wantSum := p.expected(start, runStart, "a1", "a2")
	got := tableAggregates(t, dir, "cut_tx")
	if got.Rows != wantRows || got.DistinctVersions != wantRows || got.SumAmount != wantSum {
		t.Errorf("after resume table = %+v (partial run had %d rows), want %d rows, sum %s", got, partial.Rows, wantRows, wantSum)
	}
}

// Bad options name the options (input.Option), which the command line
// labels as its flags.
func TestBadOptionsNameTheirOptions(t *testing.T) {
	store, _ := newLake(t)
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		opts Options
		want string
	}{
		{Options{From: day, To: day}, "--from 2026-01-02T00:00:00Z is not before --to 2026-01-02T00:00:00Z"},
		{Options{}, "no source spec given: use --source SPEC or --sources DIR"},
	}
	for _, c := range cases {
		_, err := Extract(context.Background(), store, c.opts)
		if clierr.Code(err) != clierr.ExitUsage {
			t.Fatalf("exit code %d (%v), want 2", clierr.Code(err), err)
		}
		if got := input.Label(err, input.Flag).Error(); got != c.want {
			t.Errorf("labelled error %q, want %q", got, c.want)
		}
		if strings.Contains(err.Error(), "--") {
			t.Errorf("library error %q names a flag", err)
		}
	}
}

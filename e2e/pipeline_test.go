package e2e

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// Sizes of the pipeline runs: small enough for -race on two cores, big
// enough that every extract writes several files into each partition.
const (
	pipelineRounds  = 6
	initialRows     = 300
	roundInserts    = 40
	roundUpdates    = 50
	roundLateRows   = 3
	chunkRows       = "60" // several chunks, so kills land between files
	killProbability = 0.35
)

// seededRand logs its seed so a failure can be replayed with
// LAKECTL_E2E_SEED.
func seededRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LAKECTL_E2E_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("LAKECTL_E2E_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (LAKECTL_E2E_SEED=%d replays this schedule)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func extractArgs(src *source) []string {
	return []string{"-o", "json", "extract", "mysql", "--dsn", src.db.URL, "--table", src.table(),
		"--as", "orders", "--incremental", "--cursor", "updated_at", "--lookback", "5m",
		"--partition-by", "created_at:day", "--chunk-rows", chunkRows}
}

func compactArgs() []string { return []string{"-o", "json", "lake", "compact", "orders"} }

func loadArgs(w warehouseUnderTest) []string {
	u := w.url
	if w.load != "" {
		u = w.load
	}
	return []string{"-o", "json", "--warehouse", u, "warehouse", "load", "orders",
		"--mode", "upsert", "--key", "id", "--cursor", "updated_at"}
}

func TestPipelineSurvivesKill9FileLake(t *testing.T) { testPipelineSurvivesKill9(t, fileLake(t)) }

func TestPipelineSurvivesKill9S3Lake(t *testing.T) { testPipelineSurvivesKill9(t, s3Lake(t)) }

// testPipelineSurvivesKill9 runs rounds of extract, compact and upsert
// loads into DuckDB and PostgreSQL while the source changes, SIGKILLing
// commands at random moments and rerunning them. After every round the
// lake holds each extracted (id, updated_at) version exactly once and both
// warehouses equal the source.
func testPipelineSurvivesKill9(t *testing.T, lk lakeUnderTest) {
	rng := seededRand(t)
	src := newSource(t, rng)
	whs := []warehouseUnderTest{duckWarehouse(t), pgWarehouse(testenv.Postgres(t))}
	c := newCLI(t, lk.flags...)
	k := newKiller(rng)
	seen := map[version]string{}
	steps := []string{"extract", "compact", "load duckdb", "load postgres"}
	for r := range pipelineRounds {
		if r == 0 {
			src.insert(t, initialRows, src.clock(0))
		} else {
			src.mutate(t, roundInserts, roundUpdates, roundLateRows)
		}
		// Every round kills one step for sure (so every step is killed
		// at least once) and others at random.
		kill := func(i int) bool { return i == r%len(steps) || rng.Float64() < killProbability }

		var ex struct {
			Rows, Files int64
		}
		k.step(t, c, steps[0], kill(0), &ex, extractArgs(src)...)
		addAll(seen, src.versions(t))
		k.step(t, c, steps[1], kill(1), nil, compactArgs()...)
		for i, w := range whs {
			k.step(t, c, steps[2+i], kill(2+i), nil, loadArgs(w)...)
		}

		checkLake(t, c, lk, "orders", seen)
		want := src.digest(t)
		for _, w := range whs {
			checkWarehouse(t, w, want)
		}
		if t.Failed() {
			t.Fatalf("round %d failed", r)
		}
	}
	t.Logf("%d rounds, %d kills of running commands, %d versions in the lake", pipelineRounds, k.kills, len(seen))
	if k.kills == 0 {
		t.Errorf("no kill landed while a command ran: the test proved nothing")
	}
}

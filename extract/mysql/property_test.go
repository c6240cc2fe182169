package mysql

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// Environment of the property test: LAKECTL_PROPERTY_STEPS (default 30)
// runs a longer sequence, LAKECTL_PROPERTY_SEED (default 1) another one.
const (
	envPropertySteps = "LAKECTL_PROPERTY_STEPS"
	envPropertySeed  = "LAKECTL_PROPERTY_SEED"
)

// versionModel is the source's row-version history as runs observed it.
// A version is a (key, cursor) pair. required: every version present in
// the source when a run that committed read it; the lake must hold each
// exactly once. maybe: versions present when a run was killed (it may
// have passed its commit point); the lake may hold them, once. Nothing
// else may be in the lake.
type versionModel struct {
	required, maybe map[string]bool
}

func (m *versionModel) check(t *testing.T, f *fixture, step string) {
	t.Helper()
	got := lakeVersions(t, f, "pt") // fails on a pair held twice
	for p := range m.required {
		if !got[p] {
			t.Fatalf("%s: version %s observed by a committed run is missing from the lake", step, p)
		}
	}
	for p := range got {
		if !m.required[p] && !m.maybe[p] {
			t.Fatalf("%s: the lake holds %s, a version no run observed", step, p)
		}
	}
}

// TestPropertyLakeHoldsExactlyTheObservedVersionHistory drives random
// sequences of source changes (inserts, updates, deletes, cursor ties),
// settings changes (lookback, chunk rows, parallel), kill -9 and
// extracts, and checks the lake with DuckDB after each run.
func TestPropertyLakeHoldsExactlyTheObservedVersionHistory(t *testing.T) {
	steps, seed := 30, uint64(1)
	if s, err := strconv.Atoi(os.Getenv(envPropertySteps)); err == nil && s > 0 {
		steps = s
	}
	if s, err := strconv.ParseUint(os.Getenv(envPropertySeed), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d, %d steps (%s, %s)", seed, steps, envPropertySeed, envPropertySteps)
	rng := rand.New(rand.NewPCG(seed, 0x1a4ec71))
	f := newFixture(t)
	f.exec(
		"CREATE TABLE pt (id INT NOT NULL PRIMARY KEY, v VARCHAR(20), updated_at DATETIME(6) NOT NULL, KEY (updated_at))",
		"INSERT INTO pt SELECT seq, 'v0', TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_200",
	)
	clock := 1000 // seconds after 2025-01-01, above every cursor so far
	nextID := 201
	at := func() string { return "TIMESTAMP'2025-01-01 00:00:00' + INTERVAL " + strconv.Itoa(clock) + " SECOND" }
	m := &versionModel{required: map[string]bool{}, maybe: map[string]bool{}}
	observe := func(into map[string]bool) {
		for _, p := range currentVersions(t, f, "pt") {
			into[p] = true
		}
	}
	o := f.opts("pt")
	o.Incremental, o.Cursor, o.ChunkRows = true, "updated_at", 64
	lookbacks := []time.Duration{0, time.Second, time.Minute, 10 * time.Minute, time.Hour, 24 * time.Hour}
	started := false
	for i := range steps {
		step := "step " + strconv.Itoa(i)
		for range rng.IntN(3) { // source changes
			clock += rng.IntN(3) * rng.IntN(200) // 0: a tie with the last cursor value
			n := 1 + rng.IntN(20)
			switch rng.IntN(4) {
			case 0:
				f.exec("INSERT INTO pt SELECT " + strconv.Itoa(nextID) + " + seq, 'ins', " + at() + " FROM seq_0_to_" + strconv.Itoa(n-1))
				nextID += n
			case 1:
				f.exec("DELETE FROM pt ORDER BY RAND(" + strconv.Itoa(rng.IntN(1000)) + ") LIMIT " + strconv.Itoa(n))
			default:
				f.exec("UPDATE pt SET v = 'u" + strconv.Itoa(i) + "', updated_at = " + at() + " ORDER BY RAND(" + strconv.Itoa(rng.IntN(1000)) + ") LIMIT " + strconv.Itoa(n))
			}
			step += " change"
		}
		if rng.IntN(3) == 0 { // settings change
			o.Lookback = lookbacks[rng.IntN(len(lookbacks))]
			o.ChunkRows = []int{1, 7, 64, 1000}[rng.IntN(4)]
			o.Parallel = 1 + rng.IntN(3)
			step += " settings(lookback " + o.Lookback.String() + ", chunk " + strconv.Itoa(o.ChunkRows) + ", parallel " + strconv.Itoa(o.Parallel) + ")"
		}
		switch r := rng.IntN(20); {
		case started && r < 3: // kill -9 somewhere in an incremental run
			observe(m.maybe)
			killAfter(t, f, o, time.Duration(rng.IntN(150))*time.Millisecond)
			continue
		case started && r == 3: // a full extract replaces the history
			full := o
			full.Incremental = false
			m.required, m.maybe = map[string]bool{}, map[string]bool{}
			observe(m.required)
			f.mustExtract(full)
			step += " full"
		default:
			observe(m.required)
			f.mustExtract(o)
			step += " extract"
		}
		started = true
		m.check(t, f, step)
	}
}

// killAfter runs an extract in a child process and SIGKILLs it after d
// (it may have finished, committed or not started its commit).
func killAfter(t *testing.T, f *fixture, o Options, d time.Duration) {
	t.Helper()
	spec, _ := json.Marshal(o)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+string(spec), envChildLake+"="+f.dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(d)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

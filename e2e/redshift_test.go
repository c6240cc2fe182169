package e2e

import (
	"testing"

	"github.com/lakectl/lakectl/internal/redshiftsim"
)

// TestRedshiftUpsertLoadsThroughTheBinaryEqualTheSource extracts rounds of
// a changing MySQL table into an S3 lake, compacts it and upserts with the
// binary into Redshift (internal/redshiftsim: COPY from the lake's
// manifests, INSERTs for compactions of partly loaded files); after every
// round the warehouse equals the source.
func TestRedshiftUpsertLoadsThroughTheBinaryEqualTheSource(t *testing.T) {
	lk := s3Lake(t)
	src := newSource(t, seededRand(t))
	srv := redshiftsim.StartServer(t)
	w := pgWarehouse(srv.Postgres)
	w.name, w.load = "redshift", srv.URL
	c := newCLI(t, lk.flags...)
	for r := range 3 {
		if r == 0 {
			src.insert(t, initialRows, src.clock(0))
		} else {
			src.mutate(t, roundInserts, roundUpdates, roundLateRows)
		}
		c.runOK(t, nil, extractArgs(src)...)
		c.runOK(t, nil, compactArgs()...)
		c.runOK(t, nil, loadArgs(w)...)
		checkWarehouse(t, w, src.digest(t))
		if t.Failed() {
			t.Fatalf("round %d failed", r)
		}
	}
}

package api

import (
	"errors"
	"testing"
	"time"
)

// TestCommitDueWhenTheCommitBeforeEnded checks that a full batch waits
// for the commit in flight (the transaction grows meanwhile) up to
// maxBatches batches, and that a failed commit is due at once and
// reported by the next wait.
func TestCommitDueWhenTheCommitBeforeEnded(t *testing.T) {
	inFlight := make(chan error, 1)
	x := &extraction{com: &committer{committing: inFlight}, wins: &windows{}, batchUnits: 2}
	x.wins.units = make([]windowDone, 1)
	if x.due() {
		t.Fatal("due before a batch is full")
	}
	x.wins.units = make([]windowDone, 2)
	if x.due() {
		t.Fatal("due while the commit before is in flight")
	}
	x.wins.units = make([]windowDone, maxBatches*2)
	if !x.due() {
		t.Fatalf("not due at %d batches", maxBatches)
	}
	x.wins.units = make([]windowDone, 2)
	inFlight <- nil
	if !x.due() || x.com.busy() {
		t.Fatal("not due once the commit before ended")
	}
	if err := x.com.wait(); err != nil {
		t.Fatal(err)
	}

	failed := make(chan error, 1)
	failed <- errors.New("lake down")
	x.com.committing = failed
	if !x.due() {
		t.Fatal("not due after a failed commit")
	}
	if err := x.com.wait(); err == nil || err.Error() != "lake down" {
		t.Fatalf("wait = %v, want the failed commit's error", err)
	}
	if err := x.com.wait(); err != nil {
		t.Fatalf("second wait = %v, want nil (reported once)", err)
	}
}

// TestCommitsAreSpacedOnAFastSource checks that a full batch waits for
// minCommitEvery since the last commit started, up to maxBatches batches.
func TestCommitsAreSpacedOnAFastSource(t *testing.T) {
	x := &extraction{com: &committer{}, wins: &windows{}, batchUnits: 2, committed: time.Now()}
	x.wins.units = make([]windowDone, 3)
	if x.due() {
		t.Fatalf("due %s after the last commit started", time.Since(x.committed))
	}
	x.wins.units = make([]windowDone, maxBatches*2)
	if !x.due() {
		t.Fatalf("not due at %d batches", maxBatches)
	}
	x.wins.units = make([]windowDone, 2)
	x.committed = time.Now().Add(-minCommitEvery)
	if !x.due() {
		t.Fatalf("not due %s after the last commit started", minCommitEvery)
	}
}

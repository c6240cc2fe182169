package scale

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Record is the original size of a compute that a run resized, kept in
// the lake at RecordKey until the size is restored.
type Record struct {
	Kind     string    `json:"kind"`
	Name     string    `json:"name"`
	Unit     string    `json:"unit"`
	Original int       `json:"original"`
	Target   int       `json:"target"`
	Started  time.Time `json:"started"`
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
}

// RecordKey is where the original size of the named compute is recorded.
func RecordKey(name string) string { return lake.Join("_lakectl", "scale", name+".json") }

// ReadRecord returns the pending record of the compute, or nil.
func ReadRecord(ctx context.Context, store lake.Store, name string) (*Record, error) {
	var r Record
	err := lake.GetJSON(ctx, store, RecordKey(name), &r)
	if errors.Is(err, lake.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read scale record of %s: %w", name, err)
	}
	return &r, nil
}

// lockName serializes runs that resize the same compute.
func lockName(name string) string { return "scale." + name }

// Temporarily resizes the compute to `to`, runs fn and restores the
// original size whatever fn returned, also when ctx was cancelled: the
// restore runs on a fresh context bounded by Config.RestoreTimeout. The
// original size is recorded in the lake before the resize, so a run killed
// before it could restore leaves it for the next run (which keeps that
// original) or for Restore. Concurrent runs on one compute are serialized
// by a lake lock (exit 75 when held).
func (s *Scaler) Temporarily(ctx context.Context, store lake.Store, to int, fn func(context.Context) error) (up, restore *Result, err error) {
	lock, err := table.AcquireLock(ctx, store, lockName(s.Name()), table.LockOptions{})
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	rec, err := ReadRecord(ctx, store, s.Name())
	if err != nil {
		return nil, nil, err
	}
	if rec != nil {
		s.log.Warn("an earlier run resized this compute and did not restore it; its original size will be restored at the end",
			"compute", s.what(), "original", rec.Original, "unit", rec.Unit, "recorded", rec.Started)
	} else {
		cur, err := s.r.size(ctx)
		if err != nil {
			return nil, nil, err
		}
		host, _ := os.Hostname()
		rec = &Record{Kind: s.r.kind(), Name: s.Name(), Unit: s.r.unit(), Original: cur.Count, Target: to,
			Started: time.Now().UTC(), Host: host, PID: os.Getpid()}
		if err := writeRecord(ctx, store, rec); err != nil {
			return nil, nil, err
		}
	}
	up, err = s.Scale(ctx, Options{To: to, Wait: true})
	if err == nil {
		err = fn(ctx)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RestoreTimeout)
	defer cancel()
	restore, rerr := s.restoreTo(rctx, store, rec.Original)
	if rerr != nil {
		rerr = notRestored(false, rerr, "restore %s to %d %s: %v; the original size stays recorded in the lake", s.what(), rec.Original, rec.Unit, rerr)
	}
	return up, restore, errors.Join(err, rerr)
}

// Restore puts back the original size recorded by a run that could not
// restore it (killed, or the restore failed) and removes the record.
// Without a record it changes nothing and reports the current size.
func (s *Scaler) Restore(ctx context.Context, store lake.Store, wait bool) (*Result, error) {
	lock, err := table.AcquireLock(ctx, store, lockName(s.Name()), table.LockOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	rec, err := ReadRecord(ctx, store, s.Name())
	if err != nil {
		return nil, err
	}
	if rec == nil {
		cur, err := s.r.size(ctx)
		if err != nil {
			return nil, err
		}
		return &Result{Kind: cur.Kind, Name: cur.Name, Unit: cur.Unit, From: cur.Count, To: cur.Count, NodeType: cur.NodeType, State: cur.State,
			Plan: []string{fmt.Sprintf("no resize to restore: %s is at %d %s", s.what(), cur.Count, cur.Unit)}}, nil
	}
	if !wait {
		res, err := s.Scale(ctx, Options{To: rec.Original, Restore: true})
		if err != nil {
			return nil, err
		}
		// The record stays until the size is confirmed: the next run or
		// a waited Restore removes it.
		if !res.Changed {
			err = s.forget(ctx, store, rec.Original)
		}
		return res, err
	}
	return s.restoreTo(ctx, store, rec.Original)
}

// restoreTo resizes back, waits, and removes the record.
func (s *Scaler) restoreTo(ctx context.Context, store lake.Store, original int) (*Result, error) {
	res, err := s.Scale(ctx, Options{To: original, Wait: true, Restore: true})
	if err != nil {
		return nil, err
	}
	return res, s.forget(ctx, store, original)
}

// forget removes the record once the compute is idle at the original
// size, and only then: a record removed while a resize is still on its
// way elsewhere would leave the compute resized and nobody to know.
func (s *Scaler) forget(ctx context.Context, store lake.Store, original int) error {
	done, state, err := s.r.settled(ctx, original)
	if err != nil {
		return err
	}
	if !done {
		return fmt.Errorf("%s is not idle at %d %s yet (%s); the original size stays recorded", s.what(), original, s.r.unit(), strings.ToLower(state))
	}
	if err := store.Delete(ctx, RecordKey(s.Name())); err != nil {
		return fmt.Errorf("remove scale record of %s: %w", s.Name(), err)
	}
	return nil
}

// writeRecord creates the record; an existing one (a concurrent run that
// got past the lock's takeover) wins and is an error.
func writeRecord(ctx context.Context, store lake.Store, rec *Record) error {
	if _, err := lake.PutJSON(ctx, store, RecordKey(rec.Name), rec, lake.PutOptions{IfNoneMatch: true}); err != nil {
		return fmt.Errorf("record original size of %s: %w", rec.Name, err)
	}
	return nil
}

// Pending describes a recorded, unrestored resize for status output
// ("" when none); the command layer adds how to restore it.
func Pending(rec *Record) string {
	if rec == nil {
		return ""
	}
	return strings.TrimSpace(fmt.Sprintf("resized from %d %s by pid %d on %s at %s and not restored",
		rec.Original, rec.Unit, rec.PID, rec.Host, rec.Started.Format(time.RFC3339)))
}

// RestoreLeftover performs the restore a killed run left behind, so that
// no command works on a compute that is still resized with nobody to put
// it back: with a record and no live run holding the compute (its lock
// free), the original size is restored (waiting for it) and the record
// removed. It returns nil when there is nothing to restore or a live run
// owns the resize. dryRun only reports what would be restored.
func (s *Scaler) RestoreLeftover(ctx context.Context, store lake.Store, dryRun bool) (*Result, error) {
	rec, err := ReadRecord(ctx, store, s.Name())
	if err != nil || rec == nil {
		return nil, err
	}
	if dryRun { // no lock taken: a dry run writes nothing
		return &Result{Kind: rec.Kind, Name: rec.Name, Unit: rec.Unit, To: rec.Original, DryRun: true,
			Plan: []string{fmt.Sprintf("restore %s to %d %s first: %s", s.what(), rec.Original, rec.Unit, Pending(rec))}}, nil
	}
	lock, err := table.AcquireLock(ctx, store, lockName(s.Name()), table.LockOptions{})
	var locked *lake.LockedError
	if errors.As(err, &locked) {
		return nil, nil // a live run resized it and restores it itself
	}
	if err != nil {
		return nil, err
	}
	defer func() { _ = lock.Release(context.WithoutCancel(ctx)) }()
	if rec, err = ReadRecord(ctx, store, s.Name()); err != nil || rec == nil {
		return nil, err
	}
	s.log.Warn("restoring the size a killed run left", "compute", s.what(), "original", rec.Original, "unit", rec.Unit,
		"pid", rec.PID, "host", rec.Host, "recorded", rec.Started)
	res, err := s.restoreTo(ctx, store, rec.Original)
	if err != nil {
		return nil, notRestored(true, err, "restore %s to %d %s, left resized by a killed run: %v", s.what(), rec.Original, rec.Unit, err)
	}
	return res, nil
}

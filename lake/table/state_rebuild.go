package table

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/lake"
)

// RebuildState rewrites job's state cache from the commit records: the
// state of the latest committed transaction that carries one. The cache
// is only a cache; a truncated or garbage one is rebuilt this way instead
// of failing the job. It wraps lake.ErrNotExist when no commit carries a
// state for job (the cache is then removed).
func RebuildState(ctx context.Context, store lake.Store, job string) error {
	best, err := latestCommittedState(ctx, store, job)
	if err != nil {
		return err
	}
	if best == nil {
		if err := store.Delete(ctx, stateKey(job)); err != nil {
			return fmt.Errorf("rebuild state of job %s: %w", job, err)
		}
		return fmt.Errorf("rebuild state of job %s: %w", job, lake.ErrNotExist)
	}
	c := stateCache{Job: job, Table: best.Table, TxID: best.TxID, Time: time.Now().UTC(), State: best.State[job]}
	if _, err := lake.PutJSON(ctx, store, stateKey(job), c, lake.PutOptions{}); err != nil {
		return fmt.Errorf("rebuild state of job %s: %w", job, err)
	}
	return nil
}

// latestCommittedState scans every table's commit records for the latest
// committed one carrying job's state (nil: none). Unreadable records are
// skipped: the repair sets them aside. The records are read newest first,
// inFlight ahead, up to the first that carries the state.
func latestCommittedState(ctx context.Context, store lake.Store, job string) (*CommitRecord, error) {
	type commit struct{ txid, key string }
	var commits []commit
	prefix := metaPrefix + "tables/"
	err := store.List(ctx, prefix, func(oi lake.ObjectInfo) error {
		name, rest, _ := strings.Cut(strings.TrimPrefix(oi.Key, prefix), "/")
		txid, ok := strings.CutSuffix(strings.TrimPrefix(rest, "commits/"), ".json")
		if strings.HasPrefix(rest, "commits/") && ok && validTxID(txid) && ValidateName(name) == nil {
			commits = append(commits, commit{txid, oi.Key})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rebuild state of job %s: %w", job, err)
	}
	// Transaction ids sort by their start time.
	sort.SliceStable(commits, func(i, j int) bool { return commits[i].txid > commits[j].txid })
	var best *CommitRecord
	read := func(ctx context.Context, c commit) (*CommitRecord, error) {
		var rec CommitRecord
		return &rec, lake.GetJSON(ctx, store, c.key, &rec)
	}
	err = inorder.Fetch(ctx, commits, inFlight, read, func(_ commit, rec *CommitRecord, err error) error {
		if errors.Is(err, lake.ErrCorrupt) || errors.Is(err, lake.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, has := rec.State[job]; has && !rec.Aborted {
			best = rec
			return inorder.Stop
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rebuild state of job %s: %w", job, err)
	}
	return best, nil
}

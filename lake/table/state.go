package table

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// stateCache is _lakectl/state/<job>.json: the state carried by the job's
// latest finished commit.
type stateCache struct {
	Job   string          `json:"job"`
	Table string          `json:"table"`
	TxID  string          `json:"txid"`
	Time  time.Time       `json:"time"`
	State json.RawMessage `json:"state"`
}

// pendingState is _lakectl/state/<job>.pending/<txid>.json, written before
// a commit that carries the job's state and deleted after the cache is
// written: it lets LoadState see a committed state the cache misses.
type pendingState struct {
	Table string `json:"table"`
	TxID  string `json:"txid"`
}

// writeStateCache stores job's state from txid unless the cache already
// holds a later transaction's.
func writeStateCache(ctx context.Context, store lake.Store, job, table, txid string, raw json.RawMessage) error {
	var cur stateCache
	err := lake.GetJSON(ctx, store, stateKey(job), &cur)
	if errors.Is(err, lake.ErrCorrupt) {
		err = lake.ErrNotExist // a cache: overwrite it
	}
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("write state of job %s: %w", job, err)
	}
	if err == nil && cur.TxID > txid {
		return nil
	}
	c := stateCache{Job: job, Table: table, TxID: txid, Time: time.Now().UTC(), State: raw}
	if _, err := lake.PutJSON(ctx, store, stateKey(job), c, lake.PutOptions{}); err != nil {
		return fmt.Errorf("write state of job %s: %w", job, err)
	}
	return nil
}

// LoadState decodes job's latest committed state into v. It wraps
// lake.ErrNotExist when the job has none (never committed a state, or
// committed null). It is right even when a run crashed between its commit
// and the state cache write: committed transactions still pending are
// consulted too.
func LoadState(ctx context.Context, store lake.Store, job string, v any) error {
	if err := validateJob("job", job); err != nil {
		return err
	}
	var cache stateCache
	err := lake.GetJSON(ctx, store, stateKey(job), &cache)
	if errors.Is(err, lake.ErrCorrupt) {
		// Only a cache: rebuild it from the commit records.
		if err = RebuildState(ctx, store, job); err == nil {
			err = lake.GetJSON(ctx, store, stateKey(job), &cache)
		}
	}
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("load state of job %s: %w", job, err)
	}
	best, bestTx := cache.State, cache.TxID
	var pending []pendingState
	err = store.List(ctx, pendingDir(job), func(oi lake.ObjectInfo) error {
		if !strings.HasSuffix(oi.Key, ".json") {
			return nil
		}
		var p pendingState
		if err := lake.GetJSON(ctx, store, oi.Key, &p); err != nil {
			if errors.Is(err, lake.ErrNotExist) {
				return nil
			}
			return err
		}
		if p.TxID > bestTx && ValidateName(p.Table) == nil && validTxID(p.TxID) {
			pending = append(pending, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load state of job %s: %w", job, err)
	}
	for _, p := range pending {
		var rec CommitRecord
		err := lake.GetJSON(ctx, store, commitKey(p.Table, p.TxID), &rec)
		if errors.Is(err, lake.ErrNotExist) {
			continue // not committed (yet, or ever)
		}
		if err != nil {
			return fmt.Errorf("load state of job %s: %w", job, err)
		}
		if raw, ok := rec.State[job]; ok && !rec.Aborted && p.TxID > bestTx {
			best, bestTx = raw, p.TxID
		}
	}
	if len(best) == 0 || string(best) == "null" {
		return fmt.Errorf("load state of job %s: %w", job, lake.ErrNotExist)
	}
	if err := json.Unmarshal(best, v); err != nil {
		return fmt.Errorf("load state of job %s: decode: %w", job, err)
	}
	return nil
}

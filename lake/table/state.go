package table

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
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

// cached remembers, per state cache (by URL), the latest txid whose state
// this process wrote there, so that a run's own commits never put an older
// state over a newer one without reading the cache first.
var cached sync.Map // string -> string

// writeStateCache stores job's state from txid unless the cache already
// holds a later transaction's. check reads the cache first (recovery,
// which may finish an old transaction after a newer one); a run finishing
// its own commit under the job's lock skips that GET.
func writeStateCache(ctx context.Context, store lake.Store, job, table, txid string, raw json.RawMessage, check bool) error {
	url := store.URL(stateKey(job))
	if prev, ok := cached.Load(url); ok && prev.(string) > txid {
		return nil
	}
	if check {
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
	}
	c := stateCache{Job: job, Table: table, TxID: txid, Time: time.Now().UTC(), State: raw}
	if _, err := lake.PutJSON(ctx, store, stateKey(job), c, lake.PutOptions{}); err != nil {
		return fmt.Errorf("write state of job %s: %w", job, err)
	}
	cached.Store(url, txid)
	return nil
}

// LoadState decodes job's latest committed state into v. It wraps
// lake.ErrNotExist when the job has none (never committed a state, or
// committed null). It is right even when a run crashed between its commit
// and the state cache write: committed transactions still pending are
// consulted too. A job committed with TxOptions.TableState is read with
// Table.LoadState instead.
func LoadState(ctx context.Context, store lake.Store, job string, v any) error {
	if err := validateJob("job", job); err != nil {
		return err
	}
	cache, err := readStateCache(ctx, store, job)
	if err != nil {
		return err
	}
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
		if p.TxID > cache.TxID && ValidateName(p.Table) == nil && validTxID(p.TxID) {
			pending = append(pending, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load state of job %s: %w", job, err)
	}
	return decodeLatest(ctx, store, job, cache, pending, v)
}

// LoadState is LoadState for a job whose transactions all write t with
// TxOptions.TableState. A committed state whose cache write was cut short
// is found by its transaction's marker, which names the job and stays
// until the cache is written. Run after t.Recover (which finished the
// dead transactions, their caches included), it consults the markers
// that Recover saw alive, so it costs one GET when none is the job's;
// without a Recover on t first, it lists them.
func (t *Table) LoadState(ctx context.Context, job string, v any) error {
	if err := validateJob("job", job); err != nil {
		return err
	}
	cache, err := readStateCache(ctx, t.store, job)
	if err != nil {
		return err
	}
	// The markers of the last Recover serve one load: a later one lists.
	t.mu.Lock()
	live, recovered := t.live, t.recovered
	t.live, t.recovered = nil, false
	t.mu.Unlock()
	if !recovered {
		live = nil
		err := t.eachMarker(ctx, func(m marker) error { live = append(live, m); return nil })
		if err != nil {
			return fmt.Errorf("load state of job %s: %w", job, err)
		}
	}
	var pending []pendingState
	for _, m := range live {
		if m.Job == job && m.TxID > cache.TxID {
			pending = append(pending, pendingState{Table: t.name, TxID: m.TxID})
		}
	}
	return decodeLatest(ctx, t.store, job, cache, pending, v)
}

// readStateCache reads job's state cache (zero when there is none),
// rebuilding a corrupt one from the commit records.
func readStateCache(ctx context.Context, store lake.Store, job string) (stateCache, error) {
	var cache stateCache
	err := lake.GetJSON(ctx, store, stateKey(job), &cache)
	if errors.Is(err, lake.ErrCorrupt) {
		// Only a cache: rebuild it from the commit records.
		if err = RebuildState(ctx, store, job); err == nil {
			err = lake.GetJSON(ctx, store, stateKey(job), &cache)
		}
	}
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return cache, fmt.Errorf("load state of job %s: %w", job, err)
	}
	return cache, nil
}

// decodeLatest decodes into v the latest of the cache's state and those of
// the pending transactions that committed.
func decodeLatest(ctx context.Context, store lake.Store, job string, cache stateCache, pending []pendingState, v any) error {
	best, bestTx := cache.State, cache.TxID
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

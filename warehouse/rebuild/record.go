package rebuild

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/lakectl/lakectl/lake"
)

// runPrefix holds one record per run.
var runPrefix = lake.Join("_lakectl", "rebuild") + "/"

func runKey(id string) string { return runPrefix + id + ".json" }

// save writes the run record: created with If-None-Match, then replaced
// with If-Match on the last ETag, so that two processes driving one run
// cannot both write it.
func (r *Run) save(ctx context.Context, store lake.Store) error {
	r.Updated = time.Now().UTC()
	opts := lake.PutOptions{IfNoneMatch: r.etag == ""}
	if r.etag != "" {
		opts.IfMatch = r.etag
	}
	info, err := lake.PutJSON(ctx, store, runKey(r.Run), r, opts)
	if errors.Is(err, lake.ErrPrecondition) {
		return fmt.Errorf("save rebuild run %s: another process changed it: %w", r.Run, err)
	}
	if err != nil {
		return fmt.Errorf("save rebuild run %s: %w", r.Run, err)
	}
	r.etag = info.ETag
	return nil
}

// loadRun reads one run record.
func loadRun(ctx context.Context, store lake.Store, id string) (*Run, error) {
	key := runKey(id)
	info, err := store.Stat(ctx, key)
	if errors.Is(err, lake.ErrNotExist) {
		return nil, findRunErrorf("no rebuild run %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read rebuild run %s: %w", id, err)
	}
	var r Run
	if err := lake.GetJSON(ctx, store, key, &r); err != nil {
		return nil, fmt.Errorf("read rebuild run %s: %w", id, err)
	}
	// The ETag of the Stat is the one to match: a write between Stat and
	// Get makes the next save fail, which is the safe side.
	r.etag = info.ETag
	return &r, nil
}

// listRuns reads every run, newest first.
func listRuns(ctx context.Context, store lake.Store) ([]*Run, error) {
	var ids []string
	err := store.List(ctx, runPrefix, func(o lake.ObjectInfo) error {
		if name := path.Base(o.Key); strings.HasSuffix(name, ".json") {
			ids = append(ids, strings.TrimSuffix(name, ".json"))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list rebuild runs: %w", err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(ids)))
	runs := make([]*Run, 0, len(ids))
	for _, id := range ids {
		r, err := loadRun(ctx, store, id)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// Status lists the rebuild runs, newest first, without their file lists.
func Status(ctx context.Context, store lake.Store) (*StatusResult, error) {
	runs, err := listRuns(ctx, store)
	if err != nil {
		return nil, err
	}
	res := &StatusResult{Runs: []Run{}}
	for _, r := range runs {
		c := *r
		c.LoadedFiles = nil
		c.Migration = ""
		res.Runs = append(res.Runs, c)
	}
	return res, nil
}

package files

import (
	"context"
	"errors"

	"github.com/lakectl/lakectl/lake"
)

// list calls fn with every object of the source in key order, classified
// against the ingest record st. Keys in Firehose's hour folders below
// their stream's horizon are not even listed: the listing seeks past them
// (S3 StartAfter), so a run costs what is new, not what has landed since
// the job began.
func (r *run) list(ctx context.Context, st jobState, fn func(*item) error) error {
	after := ""
	for {
		var seekTo string
		err := lake.ListFrom(ctx, r.src, "", after, func(o lake.ObjectInfo) error {
			if stream, hour, ok := streamOf(o.Key); ok {
				if hz := st.Horizons[stream]; hz != "" && hour < hz {
					r.sawOld = true
					seekTo = stream + hz
					return errSeek
				}
			}
			return fn(r.classify(st, o))
		})
		if errors.Is(err, errSeek) && seekTo > after {
			after = seekTo
			continue
		}
		return err
	}
}

// classify says what to do with a listed object.
func (r *run) classify(st jobState, o lake.ObjectInfo) *item {
	it := &item{info: o}
	prev, seen := st.Objects[o.Key]
	tbl, ok, err := match(r.opts.Routes, o.Key)
	switch {
	case !ok:
		it.kind = kindUnmatched
	case seen && prev.ETag == o.ETag && prev.Size == o.Size:
		it.kind = kindDone
	case seen && !r.opts.ReingestChanged:
		it.kind = kindChanged
	case !r.opts.Since.IsZero() && o.ModTime.Before(r.opts.Since):
		it.kind = kindOld
	case err != nil:
		it.kind, it.err = kindRoute, err
	case o.Size == 0:
		it.kind = kindEmpty
	default:
		it.kind, it.table, it.changed = kindNew, tbl, seen
	}
	return it
}

package scale

import (
	"context"
	"fmt"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
)

// ReprocessResult is a reprocess run at another size: the load's result
// (rows, files, bytes, duration_s at the top level) and both resizes.
type ReprocessResult struct {
	*warehouse.LoadResult
	ScaleUp *Result `json:"scale_up,omitempty"`
	Restore *Result `json:"restore,omitempty"`
}

// Reprocess resizes the compute to `to`, reprocesses opts.Table and
// restores the original size afterwards, on success, failure and
// interrupt alike (see Temporarily). A dry run plans the reprocess and
// both resizes and changes nothing.
func (s *Scaler) Reprocess(ctx context.Context, store lake.Store, wh warehouse.Warehouse, to int, opts warehouse.ReprocessOptions) (*ReprocessResult, error) {
	if opts.DryRun {
		up, err := s.Scale(ctx, Options{To: to, DryRun: true})
		if err != nil {
			return nil, err
		}
		lr, err := warehouse.Reprocess(ctx, store, wh, opts)
		if err != nil {
			return nil, err
		}
		down := *up
		down.From, down.To = up.To, up.From
		down.Allowed = nil
		down.Plan = []string{RestorePlan(s.what(), up)}
		return &ReprocessResult{LoadResult: lr, ScaleUp: up, Restore: &down}, nil
	}
	res := &ReprocessResult{}
	up, restore, err := s.Temporarily(ctx, store, to, func(ctx context.Context) error {
		lr, err := warehouse.Reprocess(ctx, store, wh, opts)
		res.LoadResult = lr
		return err
	})
	res.ScaleUp, res.Restore = up, restore
	if err != nil {
		return nil, err
	}
	return res, nil
}

// RestorePlan says what restoring after a resize up will do; offline
// (the size unknown) it names no number.
func RestorePlan(what string, up *Result) string {
	if up.Unreachable != "" {
		return fmt.Sprintf("restore %s to the size it has before the resize (unknown offline), also on failure or interrupt", what)
	}
	return fmt.Sprintf("restore %s to %d %s, also on failure or interrupt", what, up.From, up.Unit)
}

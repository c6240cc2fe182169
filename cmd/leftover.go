package cmd

import (
	"context"
	"fmt"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// restoreLeftover puts back the size a killed `--scale-to` run left on the
// warehouse's Redshift compute, before a command works on the warehouse:
// a pending restore is every command's business. Warehouses that name no
// cluster or workgroup have none; a dry run says what it would restore.
func (f *Factory) restoreLeftover(ctx context.Context, store lake.Store, wh warehouse.Warehouse, dryRun bool) error {
	cfg, err := f.scaleConfig(wh)
	if err != nil {
		return nil // not Redshift, or no compute named: nothing can be resized
	}
	name := cfg.Cluster + cfg.Workgroup
	if rec, err := scale.ReadRecord(ctx, store, name); err != nil || rec == nil {
		return err
	}
	s, err := scale.New(ctx, cfg)
	if err != nil {
		return fmt.Errorf("%s was left resized by a killed run and cannot be restored here: %w; run `lakectl warehouse scale --restore --wait`", name, err)
	}
	res, err := s.RestoreLeftover(ctx, store, dryRun)
	switch {
	case err != nil || res == nil:
		return err
	case dryRun:
		fmt.Fprintf(f.IO.ErrOut, "would %s\n", res.Plan[0])
	default:
		fmt.Fprintf(f.IO.ErrOut, "restored %s %s from %d to %d %s first: a killed run had left it resized\n", res.Kind, res.Name, res.From, res.To, res.Unit)
	}
	return nil
}

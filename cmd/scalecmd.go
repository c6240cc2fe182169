package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// scaler is the Redshift compute behind the warehouse: --cluster /
// --workgroup (config keys) or the redshift:// URL's cluster= / workgroup=.
func (f *Factory) scaler(ctx context.Context, wh warehouse.Warehouse) (*scale.Scaler, error) {
	cfg, err := f.scaleConfig(wh)
	if err != nil {
		return nil, err
	}
	return scale.New(ctx, cfg)
}

// scaleConfig names the compute and reads scale_poll_interval.
func (f *Factory) scaleConfig(wh warehouse.Warehouse) (scale.Config, error) {
	c := f.Config()
	cfg := scale.Config{Cluster: c.Cluster, Workgroup: c.Workgroup, Logger: f.Logger(), Timeouts: f.Timeouts()}
	if c.ScalePollInterval != "" {
		d, err := time.ParseDuration(c.ScalePollInterval)
		if err != nil || d <= 0 {
			return cfg, clierr.Usagef("scale_poll_interval %q: want a positive duration such as 30s", c.ScalePollInterval)
		}
		cfg.PollInterval = d
	}
	return scale.ConfigFor(wh, cfg)
}

func runWarehouseScale(cmd *cobra.Command, f *Factory, o *scaleFlags) error {
	ctx := cmd.Context()
	if o.nodes == 0 && o.rpu == 0 && !o.restore {
		return clierr.Usagef("warehouse scale: give --nodes N, --rpu N or --restore")
	}
	if err := f.checkScalable(); err != nil {
		return err
	}
	wh, err := f.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	s, err := f.scaler(ctx, wh)
	if err != nil {
		return err
	}
	to, restore := max(o.nodes, o.rpu), o.restore
	if !restore {
		if want := map[bool]string{true: "rpu", false: "nodes"}[o.rpu > 0]; want != s.Unit() {
			return clierr.Usagef("%s %s is sized in %s: use --%s", s.Kind(), s.Name(), s.Unit(), s.Unit())
		}
		// Resizing to the size a killed run recorded is that restore.
		if restore, err = checkLeftover(ctx, f, s, to); err != nil {
			return err
		}
	}
	if restore {
		store, err := f.Store(ctx)
		if err != nil {
			return err
		}
		rec, err := scale.ReadRecord(ctx, store, s.Name())
		if err != nil {
			return err
		}
		if !o.dryRun || rec == nil {
			if err := confirm(f, fmt.Sprintf("restore %s %s to the size recorded before an unfinished resize", s.Kind(), s.Name()), o.yes, o.dryRun); err != nil {
				return err
			}
			res, err := s.Restore(ctx, store, o.wait)
			if err != nil {
				return err
			}
			return f.IO.Render(res, func(w io.Writer) error { return printScale(w, res) })
		}
		to = rec.Original
	}
	if err := confirm(f, fmt.Sprintf("resize %s %s to %d %s", s.Kind(), s.Name(), to, s.Unit()), o.yes, o.dryRun); err != nil {
		return err
	}
	res, err := s.Scale(ctx, scale.Options{To: to, Wait: o.wait, DryRun: o.dryRun, Restore: restore})
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printScale(w, res) })
}

func printScale(w io.Writer, res *scale.Result) error {
	if res.Unreachable != "" {
		fmt.Fprintf(w, "control plane unreachable (%s)\n", res.Unreachable)
	}
	if len(res.Allowed) > 0 {
		fmt.Fprintf(w, "%s %s: %s, allowed: %s\n", res.Kind, res.Name, sizeWords(res.From, res.NodeType, res.Unit), scale.FormatSizes(res.Allowed))
	}
	for _, p := range res.Plan {
		prefix := ""
		if res.DryRun {
			prefix = "would: "
		}
		fmt.Fprintf(w, "%s%s\n", prefix, p)
	}
	if res.DryRun {
		return nil
	}
	switch {
	case !res.Changed:
		_, err := fmt.Fprintf(w, "%s %s at %d %s (%s)\n", res.Kind, res.Name, res.To, res.Unit, res.State)
		return err
	case res.Waited:
		_, err := fmt.Fprintf(w, "resized %s %s from %d to %d %s in %.0fs (%s)\n", res.Kind, res.Name, res.From, res.To, res.Unit, res.DurationS, res.State)
		return err
	}
	_, err := fmt.Fprintf(w, "resize of %s %s from %d to %d %s started; follow it with `lakectl warehouse status` (or pass --wait)\n", res.Kind, res.Name, res.From, res.To, res.Unit)
	return err
}

// runReprocessScaled is `warehouse reprocess --scale-to N`.
func runReprocessScaled(ctx context.Context, f *Factory, name string, o *reprocessFlags) error {
	if err := f.checkScalable(); err != nil {
		return err
	}
	tc := f.Config().Tables[name]
	into := firstString(o.into, tc.Into, name)
	store, wh, err := f.checkedStoreAndWarehouse(ctx, name, into, o.dryRun)
	if err != nil {
		return err
	}
	defer wh.Close()
	s, err := f.scaler(ctx, wh)
	if err != nil {
		return err
	}
	types, err := tablePartitionTypes(f.Config(), name)
	if err != nil {
		return err
	}
	if err := confirm(f, fmt.Sprintf("reprocess resizes %s %s to %d %s, empties %s in %s, reloads every file of lake table %s and restores the size", s.Kind(), s.Name(), o.scaleTo, s.Unit(), into, wh.String(), name), o.yes, o.dryRun); err != nil {
		return err
	}
	p := f.IO.Progress("reprocess "+name, f.Logger())
	res, err := s.Reprocess(ctx, store, wh, o.scaleTo, warehouse.ReprocessOptions{
		Table: name, Into: into, Key: firstNonEmpty(o.key, tc.Key), Cursor: firstString(o.cursor, tc.Cursor), Parallel: o.parallel, DryRun: o.dryRun,
		Logger: f.Logger(), Progress: p, PartitionTypes: types,
	})
	p.Done()
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error {
		if err := printScale(w, res.ScaleUp); err != nil {
			return err
		}
		if err := printLoad(w, "reprocessed", res.LoadResult); err != nil {
			return err
		}
		return printScale(w, res.Restore)
	})
}

// statusWithSize is `warehouse status` with the Redshift compute's size.
type statusWithSize struct {
	*warehouse.StatusResult
	Size *scale.Size `json:"size,omitempty"`
	// SizeUnreachable says why the control plane could not be asked.
	SizeUnreachable string `json:"size_unreachable,omitempty"`
	// PendingRestore is a resize a killed run did not restore.
	PendingRestore string `json:"pending_restore,omitempty"`
}

// addSize asks the control plane when the warehouse names a cluster or
// workgroup; anything else shows no size.
func addSize(ctx context.Context, f *Factory, wh warehouse.Warehouse, res *warehouse.StatusResult) *statusWithSize {
	out := &statusWithSize{StatusResult: res}
	s, err := f.scaler(ctx, wh)
	if err != nil {
		return out
	}
	if out.Size, err = s.Size(ctx); err != nil {
		out.SizeUnreachable = err.Error()
	}
	if store, err := f.Store(ctx); err == nil {
		if rec, err := scale.ReadRecord(ctx, store, s.Name()); err == nil {
			if out.PendingRestore = scale.Pending(rec); rec != nil {
				out.PendingRestore += ": run `lakectl warehouse scale --restore`"
			}
		}
	}
	return out
}

func printSize(w io.Writer, res *statusWithSize) {
	if res.Size != nil {
		sz := res.Size
		extra := ""
		if sz.Resize != "" && sz.Resize != "NONE" {
			extra = ", last resize " + strings.ToLower(sz.Resize)
		}
		fmt.Fprintf(w, "%s %s: %s, %s%s\n", sz.Kind, sz.Name, sizeWords(sz.Count, sz.NodeType, sz.Unit), sz.State, extra)
	}
	if res.SizeUnreachable != "" {
		fmt.Fprintf(w, "size unknown: %s\n", res.SizeUnreachable)
	}
	if res.PendingRestore != "" {
		fmt.Fprintf(w, "pending: %s\n", res.PendingRestore)
	}
}

// checkLeftover stops a manual resize of a compute that a run resized and
// did not restore (its original size would be lost), unless the resize
// goes to that original size: then it is the restore (true).
func checkLeftover(ctx context.Context, f *Factory, s *scale.Scaler, to int) (bool, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return false, err
	}
	rec, err := scale.ReadRecord(ctx, store, s.Name())
	if err != nil || rec == nil {
		return false, err
	}
	if rec.Original == to {
		return true, nil
	}
	return false, fmt.Errorf("%s %s was %s (or that run is still going); restore it first: run `lakectl warehouse scale --restore --wait`", s.Kind(), s.Name(), scale.Pending(rec))
}

// sizeWords is "2 ra3.xlplus nodes" or, with no node type (serverless),
// "4 rpu": one space between words.
func sizeWords(n int, nodeType, unit string) string {
	return strings.Join(strings.Fields(fmt.Sprintf("%d %s %s", n, nodeType, unit)), " ")
}

// checkScalable refuses scaling before the warehouse is opened (which
// would create a DuckDB file) when nothing names a Redshift compute: no
// --cluster/--workgroup and a warehouse URL that is not redshift://.
func (f *Factory) checkScalable() error {
	c := f.Config()
	if c.Cluster != "" || c.Workgroup != "" || strings.HasPrefix(c.Warehouse, "redshift://") {
		return nil
	}
	return clierr.Usagef("warehouse %s is not Redshift: scaling resizes Redshift only (use a redshift:// warehouse with cluster=ID or workgroup=NAME, or name it with --cluster / --workgroup)", redact.Userinfo(c.Warehouse))
}

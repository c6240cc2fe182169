package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// warehouseScaleOptions are the inputs of `lakectl warehouse scale`.
type warehouseScaleOptions struct {
	f                          *Factory
	ctx                        context.Context
	Nodes, RPU                 int
	Wait, DryRun, Yes, Restore bool
}

func newCmdWarehouseScale(f *Factory, runF func(*warehouseScaleOptions) error) *cobra.Command {
	opts := &warehouseScaleOptions{f: f}
	c := &cobra.Command{
		Use:   "scale (--nodes N | --rpu N | --restore)",
		Short: "Resize a Redshift cluster (serverless: base RPUs)",
		Args:  cobra.NoArgs,
		RunE: runE(opts, runF, warehouseScaleRun, func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			if opts.Nodes == 0 && opts.RPU == 0 && !opts.Restore {
				return input.Errorf("warehouse scale: give --nodes N, --rpu N or --restore")
			}
			return nil
		}),
	}
	sf := c.Flags()
	sf.IntVar(&opts.Nodes, "nodes", 0, "node count of the provisioned cluster")
	sf.IntVar(&opts.RPU, "rpu", 0, "base capacity of the serverless workgroup, in RPUs")
	sf.BoolVar(&opts.Wait, "wait", false, "wait until the resize has finished")
	sf.BoolVar(&opts.DryRun, "dry-run", false, "print the plan; change nothing")
	sf.BoolVar(&opts.Yes, "yes", false, "do not ask for confirmation")
	sf.BoolVar(&opts.Restore, "restore", false, "restore the size recorded by a --scale-to run that did not finish")
	c.MarkFlagsMutuallyExclusive("nodes", "rpu", "restore")
	return c
}

func warehouseScaleRun(opts *warehouseScaleOptions) error {
	f, ctx := opts.f, opts.ctx
	if err := f.checkScalable(); err != nil {
		return err
	}
	wh, err := f.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	s, err := f.Scaler(ctx, wh)
	if err != nil {
		return err
	}
	to, restore := max(opts.Nodes, opts.RPU), opts.Restore
	if !restore {
		if want := map[bool]string{true: "rpu", false: "nodes"}[opts.RPU > 0]; want != s.Unit() {
			return input.Errorf("%s %s is sized in %s: use --%s", s.Kind(), s.Name(), s.Unit(), s.Unit())
		}
		// Resizing to the size a killed run recorded is that restore.
		if restore, err = checkLeftover(ctx, f, s, to); err != nil {
			return err
		}
	}
	if restore {
		rec, err := restoreScale(opts, s)
		if rec == nil {
			return err
		}
		to = rec.Original
	}
	if err := confirm(f, fmt.Sprintf("resize %s %s to %d %s", s.Kind(), s.Name(), to, s.Unit()), opts.Yes, opts.DryRun); err != nil {
		return err
	}
	res, err := s.Scale(ctx, scale.Options{To: to, Wait: opts.Wait, DryRun: opts.DryRun, Restore: restore})
	if err != nil {
		return err
	}
	return f.IO.Render(res, func(w io.Writer) error { return printScale(w, res) })
}

// restoreScale restores the size a killed run recorded. On a dry run with
// a record it returns the record for the caller to plan the resize to;
// otherwise it has done the work (or failed) and returns no record.
func restoreScale(opts *warehouseScaleOptions, s *scale.Scaler) (*scale.Record, error) {
	f, ctx := opts.f, opts.ctx
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	rec, err := scale.ReadRecord(ctx, store, s.Name())
	if err != nil {
		return nil, err
	}
	if opts.DryRun && rec != nil {
		return rec, nil
	}
	if err := confirm(f, fmt.Sprintf("restore %s %s to the size recorded before an unfinished resize", s.Kind(), s.Name()), opts.Yes, opts.DryRun); err != nil {
		return nil, err
	}
	res, err := s.Restore(ctx, store, opts.Wait)
	if err != nil {
		return nil, err
	}
	return nil, f.IO.Render(res, func(w io.Writer) error { return printScale(w, res) })
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

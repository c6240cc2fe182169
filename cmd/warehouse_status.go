package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// warehouseStatusOptions are the inputs of `lakectl warehouse status`.
type warehouseStatusOptions struct {
	f   *Factory
	ctx context.Context
}

func newCmdWarehouseStatus(f *Factory, runF func(*warehouseStatusOptions) error) *cobra.Command {
	opts := &warehouseStatusOptions{f: f}
	return &cobra.Command{
		Use:   "status",
		Short: "Show the warehouse's size, state and load history",
		Args:  cobra.NoArgs,
		RunE:  runE(opts, runF, warehouseStatusRun, noArgs(&opts.ctx)),
	}
}

func warehouseStatusRun(opts *warehouseStatusOptions) error {
	f, ctx := opts.f, opts.ctx
	wh, err := f.openWarehouse(ctx)
	if err != nil {
		return err
	}
	defer wh.Close()
	st, err := warehouse.Status(ctx, wh, warehouse.StatusOptions{})
	if err != nil {
		return err
	}
	res := addSize(ctx, f, wh, st)
	return f.IO.Render(res, func(w io.Writer) error { return printStatus(w, res) })
}

func printStatus(w io.Writer, res *statusWithSize) error {
	fmt.Fprintf(w, "%s (%s)\n", res.Warehouse, res.Dialect)
	printSize(w, res)
	if res.Unreachable != "" {
		fmt.Fprintf(w, "unreachable: %s\n", res.Unreachable)
	}
	if len(res.Loads) == 0 {
		_, err := fmt.Fprintln(w, "no loads yet")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOAD\tINTO\tFILES\tROWS\tBYTES\tLOADED AT")
	for _, l := range res.Loads {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", l.LoadID, l.Into, l.Files, l.Rows, humanBytes(l.Bytes), l.LoadedAt.UTC().Format("2006-01-02 15:04:05Z"))
	}
	return tw.Flush()
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
	s, err := f.Scaler(ctx, wh)
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

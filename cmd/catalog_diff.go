package cmd

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/input"
)

// catalogDiffOptions are the inputs of `lakectl catalog diff`.
type catalogDiffOptions struct {
	f     *Factory
	ctx   context.Context
	Table string
	// A and B are the versions compared (0: the previous and the latest).
	A, B int
}

func newCmdCatalogDiff(f *Factory, runF func(*catalogDiffOptions) error) *cobra.Command {
	opts := &catalogDiffOptions{f: f}
	return &cobra.Command{
		Use:   "diff TABLE [A [B]]",
		Short: "Column differences between two schema versions (default: previous and latest)",
		Args:  cobra.RangeArgs(1, 3),
		RunE: runE(opts, runF, catalogDiffRun, func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.Table = cmd.Context(), args[0]
			ab := []*int{&opts.A, &opts.B}
			for i, s := range args[1:] {
				n, err := strconv.Atoi(s)
				if err != nil || n < 1 {
					return input.Errorf("version %q is not a positive number; 'lakectl catalog history %s' lists them", s, args[0])
				}
				*ab[i] = n
			}
			return nil
		}),
	}
}

func catalogDiffRun(opts *catalogDiffOptions) error {
	f, ctx := opts.f, opts.ctx
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	changes, err := catalog.Diff(ctx, store, opts.Table, opts.A, opts.B)
	if err != nil {
		return noVersion(ctx, f, store, opts.Table, 0, err)
	}
	res := struct {
		Table   string           `json:"table"`
		A       int              `json:"a,omitempty"`
		B       int              `json:"b,omitempty"`
		Changes []catalog.Change `json:"changes"`
	}{opts.Table, opts.A, opts.B, changes}
	if res.Changes == nil {
		res.Changes = []catalog.Change{}
	}
	return f.IO.Render(res, func(w io.Writer) error {
		if len(changes) == 0 {
			_, err := fmt.Fprintln(w, "no differences")
			return err
		}
		for _, c := range changes {
			mark := " "
			if c.Breaking {
				mark = "!"
			}
			fmt.Fprintf(w, "%s %s\n", mark, c)
		}
		return nil
	})
}

package cmd

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/lake/table"
)

// lakeDoctorOptions are the parsed flags of `lake doctor`.
type lakeDoctorOptions struct {
	f      *Factory
	ctx    context.Context
	Table  string
	Repair bool
}

// errDoctorUnrepaired makes `lake doctor` exit 1 after its report when
// something is wrong and was not repaired.
type errDoctorUnrepaired struct{ n int }

func (e errDoctorUnrepaired) Error() string {
	return fmt.Sprintf("lake doctor found %d problems not repaired; run 'lakectl lake doctor --repair'", e.n)
}

func newCmdLakeDoctor(f *Factory, runF func(*lakeDoctorOptions) error) *cobra.Command {
	opts := &lakeDoctorOptions{f: f}
	c := &cobra.Command{
		Use:   "doctor [TABLE]",
		Short: "Check the lake's bookkeeping and, with --repair, fix it",
		Long: `Check the lake's bookkeeping: unreadable records, transactions of runs that died
(and tables that readers would see torn), stale locks, orphan staged files.

With --repair: finish or roll back dead runs' commits, move unreadable records to
_lakectl/quarantine/, rebuild state caches from the commit records, remove stale
locks and orphan files. Runs in progress are never touched. Exits 1 when
something is wrong and not repaired.`,
		Example: `  lakectl lake doctor
  lakectl lake doctor orders --repair -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(opts, runF, lakeDoctorRun, tableArg(&opts.ctx, &opts.Table)),
	}
	c.Flags().BoolVar(&opts.Repair, "repair", false, "fix what is found")
	return c
}

func lakeDoctorRun(opts *lakeDoctorOptions) error {
	f, ctx := opts.f, opts.ctx
	store, err := f.lakeStore(ctx)
	if err != nil {
		return err
	}
	var tables []string
	if opts.Table != "" {
		if _, err := requireTable(ctx, f, store, opts.Table); err != nil {
			return err
		}
		tables = []string{opts.Table}
	}
	rep, err := table.Doctor(ctx, store, table.DoctorOptions{Tables: tables, Repair: opts.Repair, Logger: f.Logger()})
	if err != nil {
		return err
	}
	if err := f.IO.Render(rep, func(w io.Writer) error { return printDoctor(w, rep) }); err != nil {
		return err
	}
	if rep.Unrepaired > 0 {
		return errDoctorUnrepaired{rep.Unrepaired}
	}
	return nil
}

func printDoctor(w io.Writer, rep *table.DoctorReport) error {
	if len(rep.Problems) == 0 {
		_, err := fmt.Fprintf(w, "no problems in %d tables, locks and state caches (%.1fs)\n", len(rep.Tables), rep.DurationS)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROBLEM\tTABLE\tKEY\tDETAIL\tREPAIR")
	for _, p := range rep.Problems {
		repair := p.Repair
		switch {
		case p.Repaired:
			repair = "done: " + repair
		case p.Error != "":
			repair = "failed: " + p.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Kind, orNone(p.Table), p.Key, p.Detail, repair)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d problems, %d repaired\n", len(rep.Problems), rep.Repaired)
	return err
}

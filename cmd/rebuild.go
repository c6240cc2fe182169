package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// newRebuildCmd is `rebuild` and its leaf commands, one file each.
func newRebuildCmd(f *Factory) *cobra.Command {
	c := &cobra.Command{
		Use:   "rebuild",
		Short: "Schema-change rebuilds of a warehouse table as a resumable runbook",
	}
	c.AddCommand(newCmdRebuildPlan(f, nil), newCmdRebuildApply(f, nil), newCmdRebuildResume(f, nil),
		newCmdRebuildStatus(f, nil), newCmdRebuildAbandon(f, nil))
	return c
}

// renderRebuild renders one run, text or JSON.
func renderRebuild(f *Factory, run *rebuild.Run) error {
	wordSkips(run)
	return f.IO.Render(run, func(w io.Writer) error { return printRebuild(w, run) })
}

// wordSkips words the steps an option skipped, naming the option as the
// command line gives it. Runs recorded before Step.Skip existed carry
// these words in Detail already.
func wordSkips(r *rebuild.Run) {
	for i := range r.Steps {
		st := &r.Steps[i]
		switch {
		case st.Skip == rebuild.SkipNoResize && st.Detail == "":
			st.Detail = "no --scale-to"
		case st.Skip == rebuild.SkipKeepOld && !strings.HasPrefix(st.Detail, "--keep-old"):
			st.Detail = "--keep-old: " + st.Detail
		}
	}
}

func printRebuild(w io.Writer, r *rebuild.Run) error {
	head := "rebuild run " + r.Run
	if r.DryRun {
		head = "rebuild plan"
	}
	fmt.Fprintf(w, "%s: %s (lake table %s) on %s: %s\n", head, r.Target, r.Table, r.Warehouse, r.State)
	if r.Unreachable != "" {
		fmt.Fprintf(w, "offline plan: %s (%s holds nothing)\n", r.Unreachable, r.NewTable)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATUS\tFILES\tBYTES\tROWS\tEST\tWHAT")
	for _, st := range r.Steps {
		what := st.Title
		if st.Detail != "" {
			what += " (" + st.Detail + ")"
		}
		if st.Error != "" {
			what += ": " + st.Error
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%d\t%s\t%s\n", st.N, st.Status, st.Files, humanBytes(st.Bytes), st.Rows, estimate(st.EstimateS), what)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.DryRun {
		for _, st := range r.Steps {
			for _, s := range st.Statements {
				fmt.Fprintf(w, "-- step %d %s\n%s;\n", st.N, st.Name, strings.TrimRight(strings.TrimSpace(s), ";"))
			}
		}
		_, err := fmt.Fprintf(w, "estimated %s in all for %d files (%s, %d rows)\n", estimate(r.EstimateS), r.Files, humanBytes(r.Bytes), r.Rows)
		return err
	}
	if r.Error != "" {
		fmt.Fprintf(w, "error: %s\n", r.Error)
	}
	if r.MigrationReplaced != "" {
		fmt.Fprintf(w, "used the corrected migration %s in place of the stored one (its step had not committed)\n", r.MigrationReplaced)
	}
	_, err := fmt.Fprintf(w, "%d rows, %d files (%s) loaded, in %.1fs\n", r.Rows, r.Files, humanBytes(r.Bytes), r.DurationS)
	return err
}

func estimate(s float64) string {
	switch {
	case s <= 0:
		return "-"
	case s < 60:
		return fmt.Sprintf("%.0fs", max(s, 1))
	case s < 3600:
		return fmt.Sprintf("%.0fm", s/60)
	}
	return fmt.Sprintf("%.1fh", s/3600)
}

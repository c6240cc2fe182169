package cmd

import (
	"testing"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/iostreams"
)

// rebuildExec runs a leaf command built with a capturing runF on args.
func rebuildExec(t *testing.T, c *cobra.Command, args ...string) error {
	t.Helper()
	c.SetArgs(args)
	c.SilenceUsage, c.SilenceErrors = true, true
	return c.Execute()
}

func rebuildTestFactory() *Factory {
	io, _, _, _ := iostreams.Test()
	return NewFactory(io)
}

func TestNewCmdRebuildPlanParsesFlagsIntoOptions(t *testing.T) {
	f := rebuildTestFactory()
	var got *rebuildPlanOptions
	capture := func(o *rebuildPlanOptions) error { got = o; return nil }
	if err := rebuildExec(t, newCmdRebuildPlan(f, capture), "orders", "--migration", "m.sql"); err != nil {
		t.Fatal(err)
	}
	want := rebuildSpec{Table: "orders", Migration: "m.sql"}
	if got == nil || got.f != f || got.rebuildSpec != want {
		t.Fatalf("defaults: %+v", got)
	}
	err := rebuildExec(t, newCmdRebuildPlan(f, capture), "orders", "--migration", "m.sql", "--into", "a.b", "--scale-to", "8", "--batch-files", "4")
	want = rebuildSpec{Table: "orders", Migration: "m.sql", Into: "a.b", ScaleTo: 8, BatchFiles: 4}
	if err != nil || got.rebuildSpec != want {
		t.Fatalf("flags: %+v %v", got, err)
	}
	// plan changes nothing, so it has no confirmation or keep-old.
	for _, args := range [][]string{{"orders"}, {"--migration", "m.sql"}, {"orders", "--migration", "m.sql", "--yes"}} {
		if err := rebuildExec(t, newCmdRebuildPlan(f, func(*rebuildPlanOptions) error { t.Fatalf("ran with %v", args); return nil }), args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

func TestNewCmdRebuildApplyParsesFlagsIntoOptions(t *testing.T) {
	f := rebuildTestFactory()
	var got *rebuildApplyOptions
	capture := func(o *rebuildApplyOptions) error { got = o; return nil }
	if err := rebuildExec(t, newCmdRebuildApply(f, capture), "orders", "--migration", "m.sql"); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.f != f || got.rebuildSpec != (rebuildSpec{Table: "orders", Migration: "m.sql"}) || got.Parallel != 0 || got.KeepOld || got.Yes || got.DryRun {
		t.Fatalf("defaults: %+v", got)
	}
	err := rebuildExec(t, newCmdRebuildApply(f, capture), "orders", "--migration", "m.sql", "--scale-to", "4", "--parallel", "3", "--keep-old", "--yes", "--dry-run")
	if err != nil || got.ScaleTo != 4 || got.Parallel != 3 || !got.KeepOld || !got.Yes || !got.DryRun {
		t.Fatalf("flags: %+v %v", got, err)
	}
	if err := rebuildExec(t, newCmdRebuildApply(f, func(*rebuildApplyOptions) error { t.Fatal("ran without --migration"); return nil }), "orders"); err == nil {
		t.Fatal("apply without --migration accepted")
	}
}

// The warehouse table is --into, else the table's into in the config,
// else the lake table's name (left to the library).
func TestRebuildIntoPrefersTheFlagOverTheConfig(t *testing.T) {
	f := rebuildTestFactory()
	f.Config().Tables = map[string]config.Table{"orders": {Into: "sales.orders"}}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"orders", "--migration", "m.sql"}, "sales.orders"},
		{[]string{"orders", "--migration", "m.sql", "--into", "x.orders"}, "x.orders"},
		{[]string{"customers", "--migration", "m.sql"}, ""},
	}
	for _, tc := range cases {
		var got *rebuildApplyOptions
		if err := rebuildExec(t, newCmdRebuildApply(f, func(o *rebuildApplyOptions) error { got = o; return nil }), tc.args...); err != nil {
			t.Fatal(err)
		}
		if into := got.into(f); into != tc.want {
			t.Errorf("%v: into %q, want %q", tc.args, into, tc.want)
		}
	}
}

func TestNewCmdRebuildResumeParsesTheRunAndFlags(t *testing.T) {
	f := rebuildTestFactory()
	var got *rebuildResumeOptions
	capture := func(o *rebuildResumeOptions) error { got = o; return nil }
	if err := rebuildExec(t, newCmdRebuildResume(f, capture)); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.f != f || got.RunID != "" || got.Migration != "" || got.Parallel != 0 {
		t.Fatalf("defaults: %+v", got)
	}
	if err := rebuildExec(t, newCmdRebuildResume(f, capture), "r1", "--migration", "fixed.sql", "--parallel", "2"); err != nil {
		t.Fatal(err)
	}
	if got.RunID != "r1" || got.Migration != "fixed.sql" || got.Parallel != 2 {
		t.Fatalf("flags: %+v", got)
	}
	if err := rebuildExec(t, newCmdRebuildResume(f, func(*rebuildResumeOptions) error { t.Fatal("ran with two runs"); return nil }), "r1", "r2"); err == nil {
		t.Fatal("two runs accepted")
	}
}

func TestNewCmdRebuildStatusTakesNoArguments(t *testing.T) {
	f := rebuildTestFactory()
	var got *rebuildStatusOptions
	if err := rebuildExec(t, newCmdRebuildStatus(f, func(o *rebuildStatusOptions) error { got = o; return nil })); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.f != f || got.ctx == nil {
		t.Fatalf("options %+v", got)
	}
	if err := rebuildExec(t, newCmdRebuildStatus(f, func(*rebuildStatusOptions) error { t.Fatal("ran with an argument"); return nil }), "r1"); err == nil {
		t.Fatal("an argument accepted")
	}
}

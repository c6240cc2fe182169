package cmd

import (
	"errors"
	"fmt"
	"testing"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/warehouse/rebuild"
)

// The rebuild library ends its errors where a command takes over; explain
// adds the command lines, in the place the library used to write them.
func TestExplainAddsRebuildRemediesInPlace(t *testing.T) {
	stopped := &rebuild.StoppedError{Run: "r1", Table: "orders", Step: 2, StepName: "create", Err: errors.New("syntax error"), MigrationCorrectable: true}
	cases := []struct {
		err  error
		want string
	}{
		{stopped, "rebuild run r1 of orders stopped at step 2 (create): syntax error; continue with `lakectl rebuild resume r1` (after fixing the migration: `lakectl rebuild resume r1 --migration FIXED.sql`), or give it up with `lakectl rebuild abandon r1`"},
		{fmt.Errorf("%w\nsave failed", &rebuild.StoppedError{Run: "r2", Table: "t", Err: errors.New("x")}),
			"rebuild run r2 of t stopped: x; continue with `lakectl rebuild resume r2`, or give it up with `lakectl rebuild abandon r2`\nsave failed"},
		{input.Label(input.Wrap(&rebuild.UnfinishedError{Run: "r3", Table: "t", State: "failed"}), input.Flag),
			"rebuild run r3 of t is unfinished (failed): continue with `lakectl rebuild resume r3`, or give it up with `lakectl rebuild abandon r3`"},
		{input.Wrap(&rebuild.AbandonedError{Run: "r4"}), "rebuild run r4 was abandoned: start a new one with `lakectl rebuild apply`"},
		{input.Wrap(&rebuild.MigrationFixedError{Run: "r5", Why: "why"}), "rebuild run r5: why: give it up with `lakectl rebuild abandon r5` and apply again"},
	}
	for _, tc := range cases {
		got := explain(tc.err)
		if got.Error() != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
		if !errors.Is(got, tc.err) || input.Is(got) != input.Is(tc.err) {
			t.Errorf("%v: explained error lost its chain", tc.err)
		}
	}
}

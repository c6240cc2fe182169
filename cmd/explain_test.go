package cmd

import (
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse"
)

func TestExplainAddsTheRebuildRemedy(t *testing.T) {
	err := &warehouse.RebuildError{Table: "orders", Err: &schema.BreakingChangeError{Table: "public.orders",
		Changes: []string{"amount: dropped", "the warehouse table cannot take this change in place"}}}
	want := "breaking schema change in table public.orders; amount: dropped; the warehouse table cannot take this change in place: run `lakectl rebuild plan orders --migration FILE.sql`"
	if got := explain(err).Error(); got != want {
		t.Errorf("explain = %q\nwant      %q", got, want)
	}
}

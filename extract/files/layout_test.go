package files

import (
	"errors"
	"testing"

	"github.com/lakectl/lakectl/lake/table"
)

// A run under another partition rule than the table's files would mix
// two layouts in one table: refused before anything is written to it.
func TestAnotherPartitionRuleIsRefused(t *testing.T) {
	f := newFixture(t)
	f.put("open/2026/11/30/10/a", []byte(`{"id":1}`))
	o := f.opts(firehoseRoute)
	f.mustExtract(o)
	before := len(f.lakeFiles("tables/"))
	f.put("open/2026/11/30/10/b", []byte(`{"id":2}`))
	o.PartitionBy = "_ingested_at:day"
	_, err := f.extract(o)
	var pe *table.PartitionRuleError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *table.PartitionRuleError", err)
	}
	if after := len(f.lakeFiles("tables/")); after != before {
		t.Fatalf("%d lake files after the refused run, want %d", after, before)
	}
}

package files

import (
	"fmt"
	"path/filepath"
	"testing"
)

// Objects whose numbers have different fraction digits land in separate
// transactions; their files must still have one type per column (a
// decimal scale change is no widening: catalog crawl and warehouse load
// refuse the table).
func TestFractionDigitsGrowingAcrossObjectsKeepOneDecimalType(t *testing.T) {
	f := newFixture(t)
	f.put("open/2026/11/30/10/a", []byte(`{"id":1,"amount":1.5}`))
	f.put("open/2026/11/30/10/b", []byte(`{"id":2,"amount":1.25}`))
	f.put("open/2026/11/30/10/c", []byte(`{"id":3,"amount":7}`))
	o := f.opts(firehoseRoute)
	f.mustExtract(o)
	f.put("open/2026/11/30/11/d", []byte(`{"id":4,"amount":3.125}`))
	f.mustExtract(o)
	glob := filepath.Join(f.dir, "tables", "push_open", "**", "*.parquet")
	q := fmt.Sprintf("SELECT count(DISTINCT (type, scale, precision))::VARCHAR || ' ' || count(DISTINCT file_name)::VARCHAR FROM parquet_schema('%s') WHERE name = 'amount'", glob)
	if got := f.scalar("push_open", q); got[0] != '1' || got == "1 1" {
		t.Fatalf("amount types, files = %s: want one type over several files", got)
	}
	if got := f.scalar("push_open", "SELECT sum(amount)::VARCHAR FROM lk"); got != "12.875000000000000000" {
		t.Fatalf("sum(amount) = %s, want 12.875 exactly", got)
	}
}

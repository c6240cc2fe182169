package files

import "testing"

// Transactions of several tables commit in the order they began, so the
// job's state (carried by every commit) always advances: a table that
// sorts first by name but began last must not hide the others' objects.
func TestIngestRecordKeepsEveryTablesObjects(t *testing.T) {
	f := newFixture(t)
	for _, k := range []string{"a/1.json", "b/1.json", "a/2.json", "b/2.json", "a/3.json", "c/1.json"} {
		f.put(k, []byte(`[{"id":1}]`))
	}
	o := f.opts(`^a/=zeta`, `^b/=alpha`, `^c/=mid`)
	o.BatchObjects = 2
	if res := f.mustExtract(o); res.Objects != 6 {
		t.Fatalf("first run ingested %d objects", res.Objects)
	}
	if res := f.mustExtract(o); res.Objects != 0 {
		t.Fatalf("second run ingested %d objects again", res.Objects)
	}
	for tbl, want := range map[string]int{"zeta": 3, "alpha": 2, "mid": 1} {
		if got := f.rows(tbl); got != want {
			t.Errorf("%s has %d rows, want %d", tbl, got, want)
		}
	}
}

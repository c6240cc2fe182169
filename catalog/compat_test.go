package catalog

import (
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

func col(name string, t schema.Type, nullable bool) schema.Column {
	return schema.Column{Name: name, Type: t, Nullable: nullable}
}

func one(c schema.Column) schema.Schema { return schema.Schema{Columns: []schema.Column{c}} }

// Every compatibility rule of docs/catalog.md, one row each.
func TestCompareClassifiesEveryCompatibilityRule(t *testing.T) {
	id := col("id", schema.TInt64, false)
	two := func(c schema.Column) schema.Schema { return schema.Schema{Columns: []schema.Column{id, c}} }
	cases := []struct {
		name     string
		old, new schema.Schema
		kind     ChangeKind
		breaking bool
	}{
		{"adding a nullable column is compatible", one(id), two(col("note", schema.TString, true)), Added, false},
		{"adding a NOT NULL column breaks", one(id), two(col("note", schema.TString, false)), Added, true},
		{"dropping a column breaks", two(col("note", schema.TString, true)), one(id), Dropped, true},
		{"int8 to int16 widens", one(col("n", schema.TInt8, true)), one(col("n", schema.TInt16, true)), Widened, false},
		{"int16 to int32 widens", one(col("n", schema.TInt16, true)), one(col("n", schema.TInt32, true)), Widened, false},
		{"int32 to int64 widens", one(col("n", schema.TInt32, true)), one(col("n", schema.TInt64, true)), Widened, false},
		{"int8 to int64 widens", one(col("n", schema.TInt8, true)), one(col("n", schema.TInt64, true)), Widened, false},
		{"uint8 to uint64 widens", one(col("n", schema.TUint8, true)), one(col("n", schema.TUint64, true)), Widened, false},
		{"uint32 to int64 widens", one(col("n", schema.TUint32, true)), one(col("n", schema.TInt64, true)), Widened, false},
		{"uint16 to int32 widens", one(col("n", schema.TUint16, true)), one(col("n", schema.TInt32, true)), Widened, false},
		{"uint32 to int32 breaks (same width)", one(col("n", schema.TUint32, true)), one(col("n", schema.TInt32, true)), Changed, true},
		{"int32 to uint64 breaks (sign)", one(col("n", schema.TInt32, true)), one(col("n", schema.TUint64, true)), Changed, true},
		{"int64 to int32 narrows", one(col("n", schema.TInt64, true)), one(col("n", schema.TInt32, true)), Narrowed, true},
		{"uint64 to uint32 narrows", one(col("n", schema.TUint64, true)), one(col("n", schema.TUint32, true)), Narrowed, true},
		{"float32 to float64 widens", one(col("x", schema.TFloat32, true)), one(col("x", schema.TFloat64, true)), Widened, false},
		{"float64 to float32 narrows", one(col("x", schema.TFloat64, true)), one(col("x", schema.TFloat32, true)), Narrowed, true},
		{"decimal precision raised at the same scale widens", one(col("d", schema.DecimalOf(10, 2), true)), one(col("d", schema.DecimalOf(18, 2), true)), Widened, false},
		{"decimal precision lowered narrows", one(col("d", schema.DecimalOf(18, 2), true)), one(col("d", schema.DecimalOf(10, 2), true)), Narrowed, true},
		{"decimal scale changed breaks", one(col("d", schema.DecimalOf(10, 2), true)), one(col("d", schema.DecimalOf(12, 4), true)), Changed, true},
		{"int32 to a decimal holding it widens", one(col("d", schema.TInt32, true)), one(col("d", schema.DecimalOf(12, 2), true)), Widened, false},
		{"uint64 to decimal(20,0) widens", one(col("d", schema.TUint64, true)), one(col("d", schema.DecimalOf(20, 0), true)), Widened, false},
		{"int64 to a decimal too small breaks", one(col("d", schema.TInt64, true)), one(col("d", schema.DecimalOf(18, 0), true)), Changed, true},
		{"string to int breaks", one(col("s", schema.TString, true)), one(col("s", schema.TInt64, true)), Changed, true},
		{"int to string breaks", one(col("s", schema.TInt64, true)), one(col("s", schema.TString, true)), Changed, true},
		{"int64 to float64 breaks (inexact)", one(col("s", schema.TInt64, true)), one(col("s", schema.TFloat64, true)), Changed, true},
		{"timestamp to date breaks", one(col("t", schema.TTimestamp, true)), one(col("t", schema.TDate, true)), Changed, true},
		{"json to string breaks", one(col("j", schema.TJSON, true)), one(col("j", schema.TString, true)), Changed, true},
		{"not null to nullable is compatible", one(col("n", schema.TInt64, false)), one(col("n", schema.TInt64, true)), Nullability, false},
		{"nullable to not null breaks", one(col("n", schema.TInt64, true)), one(col("n", schema.TInt64, false)), Nullability, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.old, tc.new)
			if len(got) != 1 {
				t.Fatalf("Compare = %v, want one change", got)
			}
			c := got[0]
			if c.Kind != tc.kind || c.Breaking != tc.breaking {
				t.Fatalf("Compare = %s (breaking=%v), want %s breaking=%v", c, c.Breaking, tc.kind, tc.breaking)
			}
			if c.Reason == "" {
				t.Fatalf("change %s has no reason", c)
			}
		})
	}
}

func TestCompareMatchesColumnsByNameCaseInsensitively(t *testing.T) {
	old := schema.Schema{Columns: []schema.Column{col("ID", schema.TInt64, false), col("Name", schema.TString, true)}}
	reordered := schema.Schema{Columns: []schema.Column{col("name", schema.TString, true), col("id", schema.TInt64, false)}}
	if got := Compare(old, reordered); len(got) != 0 {
		t.Fatalf("Compare of the same columns in another order and case = %v, want none", got)
	}
}

func TestCompareReportsTypeAndNullabilityOfOneColumnSeparately(t *testing.T) {
	got := Compare(one(col("n", schema.TInt32, false)), one(col("n", schema.TInt64, true)))
	if len(got) != 2 || got[0].Kind != Widened || got[1].Kind != Nullability || Breaking(got) {
		t.Fatalf("Compare = %v, want a compatible widening and a compatible nullability change", got)
	}
}

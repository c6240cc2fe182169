package schema

import (
	"errors"
	"testing"
)

func TestWidensHoldsExactlyTheValuesOfTheNarrowerType(t *testing.T) {
	cases := []struct {
		from, to Type
		want     bool
	}{
		{TInt32, TInt32, true},
		{TInt32, TInt64, true},
		{TInt64, TInt32, false},
		{TUint32, TUint64, true},
		{TUint32, TInt64, true},
		{TUint32, TInt32, false}, // 4e9 does not fit
		{TInt32, TUint64, false}, // negatives do not fit
		{TFloat32, TFloat64, true},
		{TFloat64, TFloat32, false},
		{TInt64, TFloat64, false}, // 2^53+1 is not exact
		{DecimalOf(10, 2), DecimalOf(12, 2), true},
		{DecimalOf(10, 2), DecimalOf(12, 3), false}, // scale changes meaning
		{TInt32, DecimalOf(12, 2), true},            // 10 integer digits
		{TInt32, DecimalOf(11, 2), false},
		{TUint64, DecimalOf(20, 0), true},
		{TInt64, DecimalOf(20, 2), false},
		{TString, TJSON, false},
	}
	for _, c := range cases {
		if got := Widens(c.from, c.to); got != c.want {
			t.Errorf("Widens(%s, %s) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}

func TestUnionWidensAddsNullableColumnsAndNamesConflicts(t *testing.T) {
	base := Schema{Columns: []Column{{Name: "id", Type: TInt32}, {Name: "a", Type: TString}}}
	add := Schema{Columns: []Column{{Name: "ID", Type: TInt64}, {Name: "b", Type: TFloat64}}}
	got, err := Union(base, add)
	if err != nil {
		t.Fatal(err)
	}
	want := Schema{Columns: []Column{{Name: "id", Type: TInt64}, {Name: "a", Type: TString, Nullable: true}, {Name: "b", Type: TFloat64, Nullable: true}}}
	if !got.Equal(want) {
		t.Fatalf("Union = %+v, want %+v", got, want)
	}
	_, err = Union(base, Schema{Columns: []Column{{Name: "a", Type: TInt64}}})
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Column != "a" {
		t.Fatalf("Union of string and int64: %v, want a *ConflictError on column a", err)
	}
}

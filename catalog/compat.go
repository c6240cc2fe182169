// Package catalog keeps the schema versions of the lake's tables under
// _lakectl/catalog/, tells compatible changes from breaking ones, and
// writes the DDL that creates a table in Redshift, Athena, PostgreSQL or
// DuckDB. It never runs SQL against a warehouse.
package catalog

import (
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/lake/schema"
)

// ChangeKind names what happened to one column between two schemas.
type ChangeKind string

// The kinds of column change Compare reports.
const (
	Added       ChangeKind = "added"
	Dropped     ChangeKind = "dropped"
	Widened     ChangeKind = "widened"
	Narrowed    ChangeKind = "narrowed"
	Changed     ChangeKind = "changed"
	Nullability ChangeKind = "nullability"
	// Layout is a change of the partition folders; Conflict is two live
	// files whose types of a column no type holds.
	Layout   ChangeKind = "layout"
	Conflict ChangeKind = "conflict"
)

// Change is one column-level difference. From and To are types as
// schema.Type.String writes them ("int64", "decimal(12,2)"), or for a
// nullability change "not null"/"nullable".
type Change struct {
	Column   string     `json:"column"`
	Kind     ChangeKind `json:"kind"`
	From     string     `json:"from,omitempty"`
	To       string     `json:"to,omitempty"`
	Breaking bool       `json:"breaking"`
	Reason   string     `json:"reason"`
}

// String is the one-line form used in messages: "column amount: dropped (...)".
func (c Change) String() string {
	s := fmt.Sprintf("column %s: %s", c.Column, c.Kind)
	if c.Kind == Layout {
		s = "partition layout: changed"
	}
	if c.From != "" || c.To != "" {
		s += fmt.Sprintf(" %s -> %s", orDash(c.From), orDash(c.To))
	}
	return s + " (" + c.Reason + ")"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Breaking reports whether any change is breaking.
func Breaking(changes []Change) bool {
	for _, c := range changes {
		if c.Breaking {
			return true
		}
	}
	return false
}

const (
	nullableWord = "nullable"
	notNullWord  = "not null"
)

// Compare lists the column-level differences from old to new, matching
// columns by name (case-insensitive): first the changes to old's columns
// in old's order, then the added columns in new's order. Each change says
// whether it breaks readers and loads of data written under old.
func Compare(old, new schema.Schema) []Change {
	var out []Change
	for _, oc := range old.Columns {
		i := new.Index(oc.Name)
		if i < 0 {
			out = append(out, Change{Column: oc.Name, Kind: Dropped, From: oc.Type.String(), Breaking: true,
				Reason: "the column is gone: queries, views and loads that name it fail"})
			continue
		}
		nc := new.Columns[i]
		if oc.Type != nc.Type {
			out = append(out, compareTypes(nc.Name, oc.Type, nc.Type))
		}
		switch {
		case oc.Nullable && !nc.Nullable:
			out = append(out, Change{Column: nc.Name, Kind: Nullability, From: nullableWord, To: notNullWord, Breaking: true,
				Reason: "the column became NOT NULL: rows written before may hold nulls that a NOT NULL column rejects"})
		case !oc.Nullable && nc.Nullable:
			out = append(out, Change{Column: nc.Name, Kind: Nullability, From: notNullWord, To: nullableWord,
				Reason: "the column now allows nulls: every old value is still valid"})
		}
	}
	for _, nc := range new.Columns {
		if old.Index(nc.Name) >= 0 {
			continue
		}
		c := Change{Column: nc.Name, Kind: Added, To: nc.Type.String()}
		if nc.Nullable {
			c.Reason = "a nullable column was added: rows written before read as NULL"
		} else {
			c.Breaking = true
			c.Reason = "a NOT NULL column was added: rows written before have no value for it"
		}
		out = append(out, c)
	}
	return out
}

// compareTypes classifies a type change of one column. Whether a type
// widens is lake/schema's one rule (schema.Widens); the catalog adds the
// kind of change and a reason a user can act on.
func compareTypes(col string, from, to schema.Type) Change {
	c := Change{Column: col, From: from.String(), To: to.String()}
	if schema.Widens(from, to) {
		c.Kind, c.Reason = Widened, widenedReason(from, to)
		return c
	}
	c.Breaking = true
	if schema.Widens(to, from) {
		c.Kind = Narrowed
		c.Reason = fmt.Sprintf("%s is narrower than %s: values written before may not fit", to, from)
		return c
	}
	c.Kind = Changed
	c.Reason = changedReason(from, to)
	return c
}

// widenedReason says why every value of from reads unchanged as to; it is
// called only when schema.Widens(from, to).
func widenedReason(from, to schema.Type) string {
	fk, tk := from.Kind, to.Kind
	switch {
	case from == to:
		return "same type"
	case fk.IsSignedInt() && tk.IsSignedInt(), fk.IsUnsignedInt() && tk.IsUnsignedInt():
		return fmt.Sprintf("integer widened from %s to %s: every old value fits", from, to)
	case fk.IsUnsignedInt() && tk.IsSignedInt():
		return fmt.Sprintf("%s widened to the larger signed %s: every old value fits", from, to)
	case fk == schema.Float32 && tk == schema.Float64:
		return "float widened to double: every old value is exact as a double"
	case fk == schema.Decimal && tk == schema.Decimal:
		return fmt.Sprintf("decimal precision raised from %d to %d at the same scale %d: every old value fits", from.Precision, to.Precision, to.Scale)
	}
	return fmt.Sprintf("%s holds every %s value exactly", to, from)
}

func changedReason(from, to schema.Type) string {
	switch {
	case from.Kind == schema.Decimal && to.Kind == schema.Decimal && from.Scale != to.Scale:
		return fmt.Sprintf("decimal scale changed from %d to %d: stored values would change meaning or lose digits", from.Scale, to.Scale)
	case from.Kind.IsInt() && to.Kind == schema.Decimal:
		return fmt.Sprintf("%s cannot hold every %s value (needs %d integer digits)", to, from, from.Kind.Digits())
	case from.Kind.IsInt() && to.Kind.IsInt():
		return fmt.Sprintf("%s cannot hold every %s value (sign or range differs)", to, from)
	}
	return fmt.Sprintf("%s and %s are different types: values written before cannot be read as %s without a conversion", from, to, to)
}

// summarize is a version's one-line kind of change: "created", "added
// column x", "widened column y int32 -> int64; dropped column z".
func summarize(changes []Change, partitionsChanged bool) string {
	var parts []string
	for _, c := range changes {
		s := string(c.Kind) + " column " + c.Column
		switch c.Kind {
		case Widened, Narrowed, Changed:
			s += " " + c.From + " -> " + c.To
		case Nullability:
			s = "column " + c.Column + " became " + c.To
		}
		parts = append(parts, s)
	}
	if partitionsChanged {
		parts = append(parts, "partitions changed")
	}
	if len(parts) == 0 {
		return "unchanged"
	}
	return strings.Join(parts, "; ")
}

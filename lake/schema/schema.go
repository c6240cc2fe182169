// Package schema is the lake's one schema type: the columns of a table as
// every source translates them once, every Parquet file carries them, and
// the catalog and the warehouse read them.
package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Kind is a column's logical type.
type Kind uint8

// The kinds a lake column can have. Physical Parquet encodings are the
// writer's business; these are what the values mean.
const (
	Invalid   Kind = iota
	Bool           // boolean
	Int8           // signed integers
	Int16          //
	Int32          //
	Int64          //
	Uint8          // unsigned integers; Uint64 keeps values beyond int64 exact
	Uint16         //
	Uint32         //
	Uint64         //
	Float32        // IEEE 754
	Float64        //
	Decimal        // exact, Precision 1..38 and Scale 0..Precision
	String         // UTF-8 text
	Bytes          // opaque bytes
	Date           // days since 1970-01-01
	Timestamp      // microseconds since 1970-01-01T00:00:00Z, UTC-adjusted
	Time           // microseconds since midnight, 0 .. 86,399,999,999
	JSON           // UTF-8 JSON text
)

var kindNames = [...]string{
	Invalid: "invalid", Bool: "bool",
	Int8: "int8", Int16: "int16", Int32: "int32", Int64: "int64",
	Uint8: "uint8", Uint16: "uint16", Uint32: "uint32", Uint64: "uint64",
	Float32: "float32", Float64: "float64", Decimal: "decimal",
	String: "string", Bytes: "bytes", Date: "date", Timestamp: "timestamp",
	Time: "time", JSON: "json",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// IsSignedInt reports whether k is one of Int8..Int64.
func (k Kind) IsSignedInt() bool { return k >= Int8 && k <= Int64 }

// IsUnsignedInt reports whether k is one of Uint8..Uint64.
func (k Kind) IsUnsignedInt() bool { return k >= Uint8 && k <= Uint64 }

// IsInt reports whether k is any integer kind.
func (k Kind) IsInt() bool { return k.IsSignedInt() || k.IsUnsignedInt() }

// Bits is the width of an integer or float kind, 0 for others.
func (k Kind) Bits() int {
	switch k {
	case Int8, Uint8:
		return 8
	case Int16, Uint16:
		return 16
	case Int32, Uint32, Float32:
		return 32
	case Int64, Uint64, Float64:
		return 64
	}
	return 0
}

// Type is a Kind with its parameters (only Decimal has any).
type Type struct {
	Kind      Kind
	Precision int // Decimal only
	Scale     int // Decimal only
}

// Common types, for brevity at call sites.
var (
	TBool      = Type{Kind: Bool}
	TInt8      = Type{Kind: Int8}
	TInt16     = Type{Kind: Int16}
	TInt32     = Type{Kind: Int32}
	TInt64     = Type{Kind: Int64}
	TUint8     = Type{Kind: Uint8}
	TUint16    = Type{Kind: Uint16}
	TUint32    = Type{Kind: Uint32}
	TUint64    = Type{Kind: Uint64}
	TFloat32   = Type{Kind: Float32}
	TFloat64   = Type{Kind: Float64}
	TString    = Type{Kind: String}
	TBytes     = Type{Kind: Bytes}
	TDate      = Type{Kind: Date}
	TTimestamp = Type{Kind: Timestamp}
	TTime      = Type{Kind: Time}
	TJSON      = Type{Kind: JSON}
)

// DecimalOf returns decimal(precision, scale).
func DecimalOf(precision, scale int) Type {
	return Type{Kind: Decimal, Precision: precision, Scale: scale}
}

// String renders the type as ParseType reads it: "int64", "decimal(38,9)".
func (t Type) String() string {
	if t.Kind == Decimal {
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	}
	return t.Kind.String()
}

// Validate reports a type that no column may have.
func (t Type) Validate() error {
	switch {
	case t.Kind == Invalid || int(t.Kind) >= len(kindNames):
		return fmt.Errorf("invalid type %s", t)
	case t.Kind == Decimal && (t.Precision < 1 || t.Precision > 38 || t.Scale < 0 || t.Scale > t.Precision):
		return fmt.Errorf("invalid %s: precision must be 1..38 and scale 0..precision", t)
	case t.Kind != Decimal && (t.Precision != 0 || t.Scale != 0):
		return fmt.Errorf("invalid type %s: only decimal has precision and scale", t)
	}
	return nil
}

// ParseType reads the form String writes.
func ParseType(s string) (Type, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(s, "decimal("); ok {
		ps, ok := strings.CutSuffix(rest, ")")
		p, sc, ok2 := strings.Cut(ps, ",")
		if !ok || !ok2 {
			return Type{}, fmt.Errorf("parse type %q: want decimal(P,S)", s)
		}
		pi, err1 := strconv.Atoi(strings.TrimSpace(p))
		si, err2 := strconv.Atoi(strings.TrimSpace(sc))
		if err1 != nil || err2 != nil {
			return Type{}, fmt.Errorf("parse type %q: want decimal(P,S)", s)
		}
		t := DecimalOf(pi, si)
		return t, t.Validate()
	}
	for k, name := range kindNames {
		if name == s && Kind(k) != Invalid && Kind(k) != Decimal {
			return Type{Kind: Kind(k)}, nil
		}
	}
	return Type{}, fmt.Errorf("parse type %q: unknown type", s)
}

// MarshalText writes the type as a string, so JSON records stay readable.
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (t *Type) UnmarshalText(b []byte) error {
	v, err := ParseType(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Column is one named, typed column.
type Column struct {
	Name     string `json:"name"`
	Type     Type   `json:"type"`
	Nullable bool   `json:"nullable"`
}

// Schema is an ordered list of columns. The order is the order of the
// columns in every Parquet file written with it and in every DDL made from
// it (Redshift COPY maps Parquet columns by position).
type Schema struct {
	Columns []Column `json:"columns"`
}

// Index returns the position of the named column (case-insensitive), or -1.
func (s Schema) Index(name string) int {
	for i, c := range s.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Names returns the column names in order.
func (s Schema) Names() []string {
	names := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		names[i] = c.Name
	}
	return names
}

// Validate reports empty schemas, duplicate or empty names and invalid types.
func (s Schema) Validate() error {
	if len(s.Columns) == 0 {
		return fmt.Errorf("schema has no columns")
	}
	seen := make(map[string]bool, len(s.Columns))
	for _, c := range s.Columns {
		if c.Name == "" {
			return fmt.Errorf("schema has a column without a name")
		}
		k := strings.ToLower(c.Name)
		if seen[k] {
			return fmt.Errorf("schema has column %q twice", c.Name)
		}
		seen[k] = true
		if err := c.Type.Validate(); err != nil {
			return fmt.Errorf("column %q: %w", c.Name, err)
		}
	}
	return nil
}

// Equal reports whether two schemas have the same columns in the same order.
func (s Schema) Equal(o Schema) bool {
	if len(s.Columns) != len(o.Columns) {
		return false
	}
	for i := range s.Columns {
		if s.Columns[i] != o.Columns[i] {
			return false
		}
	}
	return true
}

// Fingerprint is a short stable hash of the schema, stored in Parquet
// key-value metadata and in the catalog to tell versions apart cheaply.
func (s Schema) Fingerprint() string {
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// BreakingChangeError says a table's schema changed in a way its readers
// cannot follow in place: a type narrowed or changed kind, a column went,
// files disagree. Changes has one line per column.
type BreakingChangeError struct {
	Table   string
	Changes []string // one line per column: what changed and why it breaks
}

func (e *BreakingChangeError) Error() string {
	msg := fmt.Sprintf("breaking schema change in table %s", e.Table)
	for _, c := range e.Changes {
		msg += "; " + c
	}
	return msg
}

package postgres

import (
	"testing"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
)

// TestTypeMappingOfBuiltins extracts one row per case and reads it back
// with DuckDB: the lake type and the value as DuckDB prints it.
func TestTypeMappingOfBuiltins(t *testing.T) {
	f := newFixture(t, false)
	f.exec(`CREATE TYPE mood AS ENUM ('sad', 'happy')`,
		`CREATE DOMAIN posint AS integer CHECK (VALUE > 0)`,
		`CREATE DOMAIN price AS numeric(10,3)`)
	cases := []struct {
		typ, lit string
		want     schema.Type
		duck     string // DuckDB's text of the lake value; <nil> for NULL
	}{
		{"boolean", "true", schema.TBool, "true"},
		{"smallint", "-32768", schema.TInt16, "-32768"},
		{"integer", "2147483647", schema.TInt32, "2147483647"},
		{"bigint", "-9223372036854775808", schema.TInt64, "-9223372036854775808"},
		{"oid", "4294967295", schema.TUint32, "4294967295"},
		{"real", "1.5", schema.TFloat32, "1.5"},
		{"double precision", "'-Infinity'", schema.TFloat64, "-inf"},
		{"double precision", "'NaN'", schema.TFloat64, "nan"},
		{"numeric(12,2)", "-1234567890.12", schema.DecimalOf(12, 2), "-1234567890.12"},
		{"numeric(38,10)", "1234567890123456789012345678.0123456789", schema.DecimalOf(38, 10), "1234567890123456789012345678.0123456789"},
		{"numeric(12,2)", "'NaN'", schema.DecimalOf(12, 2), "<nil>"},
		{"numeric", "'123456789012345678901234567890123456789012.5'", schema.TString, "123456789012345678901234567890123456789012.5"},
		{"numeric", "'Infinity'", schema.TString, "Infinity"},
		{"numeric(50,2)", "1.25", schema.TString, "1.25"},
		{"money", "'-1234.56'", schema.DecimalOf(19, 2), "-1234.56"},
		{"text", "'🦆 \"q\"'", schema.TString, "🦆 \"q\""},
		{"character(4)", "'ab'", schema.TString, "ab  "},
		{"varchar(5)", "'abc'", schema.TString, "abc"},
		{"bytea", `'\xdeadbeef'`, schema.TBytes, `\xDE\xAD\xBE\xEF`},
		{"date", "'2026-02-28'", schema.TDate, "2026-02-28"},
		{"date", "'0044-03-15 BC'", schema.TDate, "0044-03-15 (BC)"},
		{"date", "'infinity'", schema.TDate, "<nil>"},
		{"timestamp", "'2026-11-23 14:05:06.123456'", schema.TTimestamp, "2026-11-23 14:05:06.123456+00"},
		{"timestamptz", "'2026-11-23 14:05:06.5+05:30'", schema.TTimestamp, "2026-11-23 08:35:06.5+00"},
		{"timestamptz", "'-infinity'", schema.TTimestamp, "<nil>"},
		{"time", "'23:59:59.999999'", schema.TTime, "23:59:59.999999"},
		{"time", "'24:00:00'", schema.TTime, "23:59:59.999999"},
		{"timetz", "'10:00:00+02'", schema.TString, "10:00:00+02"},
		{"interval", "'1 year 2 mons 3 days 04:05:06'", schema.TString, "P1Y2M3DT4H5M6S"},
		{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", schema.TString, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"json", `'{"b": 1, "a": [true]}'`, schema.TJSON, `{"b": 1, "a": [true]}`},
		{"jsonb", `'{"b": 1, "a": [true]}'`, schema.TJSON, `{"a": [true], "b": 1}`},
		{"integer[]", "'{1,NULL,3}'", schema.TJSON, "[1,null,3]"},
		{"text[]", `'{{"a b","c\"d"},{NULL,"NULL"}}'`, schema.TJSON, `[["a b","c\"d"],[null,"NULL"]]`},
		{"numeric[]", "'{1.5,NaN}'", schema.TJSON, `[1.5,"NaN"]`},
		{"boolean[]", "'{t,f}'", schema.TJSON, "[true,false]"},
		{"jsonb[]", `ARRAY['{"a":1}'::jsonb]`, schema.TJSON, `[{"a": 1}]`},
		{"mood", "'happy'", schema.TString, "happy"},
		{"mood[]", "'{sad,happy}'", schema.TJSON, `["sad","happy"]`},
		{"posint", "7", schema.TInt32, "7"},
		{"price", "1.5", schema.DecimalOf(10, 3), "1.500"},
		{"inet", "'192.168.0.1/24'", schema.TString, "192.168.0.1/24"},
		{"cidr", "'10.0.0.0/8'", schema.TString, "10.0.0.0/8"},
		{"macaddr", "'08:00:2b:01:02:03'", schema.TString, "08:00:2b:01:02:03"},
		{"bit varying(8)", "B'1011'", schema.TString, "1011"},
		{"int4range", "'[1,5)'", schema.TString, "[1,5)"},
		{"point", "'(1,2)'", schema.TString, "(1,2)"},
		{"xml", "'<a/>'", schema.TString, "<a/>"},
		{"tsvector", "'a b'", schema.TString, "'a' 'b'"},
	}
	for i, c := range cases {
		tbl := "t" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		f.exec("CREATE TABLE "+tbl+" (id int PRIMARY KEY, v "+c.typ+")",
			"INSERT INTO "+tbl+" VALUES (1, "+c.lit+")")
		res := f.mustExtract(f.opts(tbl))
		if res.Rows != 1 {
			t.Fatalf("%s: %+v", c.typ, res)
		}
		ti := f.describe(tbl)
		if got := ti.Columns[1].Type; got != c.want {
			t.Errorf("%s: lake type %s, want %s", c.typ, got, c.want)
		}
		got := strs(t, f.duck(tbl), "SELECT v::varchar FROM lk")
		if got[0] != c.duck {
			t.Errorf("%s %s: lake value %q, want %q", c.typ, c.lit, got[0], c.duck)
		}
	}
}

func (f *fixture) describe(tbl string) *tableInfo {
	f.t.Helper()
	ti, err := describeTable(f.t.Context(), f.pg, "public", tbl)
	if err != nil {
		f.t.Fatal(err)
	}
	return ti
}

func TestDaysFromCivilMatchesTimeDate(t *testing.T) {
	for y := -1000; y <= 3000; y += 7 {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			want := schema.DaysSinceEpoch(time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC))
			if got := daysFromCivil(y, md[0], md[1]); got != want && md[1] != 29 {
				t.Fatalf("%d-%d-%d: %d, want %d", y, md[0], md[1], got, want)
			}
		}
	}
}

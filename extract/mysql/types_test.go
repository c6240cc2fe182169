package mysql

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/input"
)

const allTypesDDL = `CREATE TABLE all_types (
	id INT NOT NULL PRIMARY KEY,
	ti TINYINT, tiu TINYINT UNSIGNED, t1 TINYINT(1), si SMALLINT, siu SMALLINT UNSIGNED,
	mi MEDIUMINT, miu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED,
	d1 DECIMAL(9,2), d2 DECIMAL(18,6), d3 DECIMAL(38,10),
	f FLOAT, db DOUBLE,
	c CHAR(5), vc VARCHAR(100), tx TEXT, lt LONGTEXT, en ENUM('a','b','c'), st SET('x','y'),
	bn BINARY(4), vb VARBINARY(16), bl BLOB,
	dt DATE, dtm DATETIME, dtm6 DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL,
	tm TIME, tm6 TIME(6), yr YEAR, b1 BIT(1), b10 BIT(10), js JSON, uu UUID,
	nn_date DATE NOT NULL DEFAULT '2000-01-01'
)`

var allTypesRows = []string{
	`INSERT INTO all_types VALUES (1, 12, 200, 1, -1234, 60000, -8000000, 16000000, -2000000000, 4000000000,
		-9000000000000000000, 18000000000000000000, 1234567.89, -123456789012.123456, 12345678901234567890123456.0123456789,
		1.5, 2.718281828459045, 'ab', 'hello', 'some text', 'long text', 'b', 'x,y',
		'ab', x'00ff10', x'deadbeef', '2024-02-29', '2024-02-29 23:59:58', '1969-12-31 23:59:59.999999', '2024-03-01 12:00:00.000001',
		'12:34:56', '23:59:59.999999', 2024, b'1', b'1010101010', '{"a": [1, 2, {"b": null}], "é": "😀"}',
		'123e4567-e89b-12d3-a456-426614174000', '2023-01-01')`,
	`INSERT INTO all_types VALUES (2, -128, 255, 0, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
		-9223372036854775808, 18446744073709551615, -9999999.99, 999999999999.999999, -9999999999999999999999999999.9999999999,
		-3.25e-3, -1.7976931348623157e308, '😀𝄞', '😀𝄞 ünï 中文', '𝄞𝄞𝄞', 'x', 'c', '',
		x'00000000', x'', x'', '0000-00-00', '0000-00-00 00:00:00', '1000-01-01 00:00:00.000000', '0000-00-00 00:00:00',
		'00:00:00', '00:00:00.000001', 0, b'0', b'0', '[]', '00000000-0000-0000-0000-000000000000', '0000-00-00')`,
	`INSERT INTO all_types (id) VALUES (3)`,
	`INSERT INTO all_types (id, c, vc, tx, bl, js, dt) VALUES (4, '', '', '', '', '""', '9999-12-31')`,
}

// colCheck renders one column comparably in MariaDB and DuckDB.
type colCheck struct {
	name, maria, duck string
	float             bool // compare as floats (text forms of floats differ)
}

func allTypesChecks() []colCheck {
	var out []colCheck
	same := func(cols ...string) {
		for _, c := range cols {
			out = append(out, colCheck{c, "CAST(" + c + " AS CHAR)", "CAST(" + c + " AS VARCHAR)", false})
		}
	}
	same("ti", "tiu", "t1", "si", "siu", "mi", "miu", "i", "iu", "bi", "biu", "d1", "d2", "d3",
		"c", "vc", "tx", "lt", "en", "st", "js", "uu")
	for _, c := range []string{"f", "db"} {
		out = append(out, colCheck{c, "CAST(" + c + " AS CHAR)", "CAST(" + c + " AS VARCHAR)", true})
	}
	for _, c := range []string{"bn", "vb", "bl"} {
		out = append(out, colCheck{c, "LOWER(HEX(" + c + "))", "LOWER(hex(" + c + "))", false})
	}
	for _, c := range []string{"dt", "nn_date"} {
		out = append(out, colCheck{c, "NULLIF(CAST(" + c + " AS CHAR), '0000-00-00')", "CAST(" + c + " AS VARCHAR)", false})
	}
	for _, c := range []string{"dtm", "dtm6", "ts"} {
		out = append(out, colCheck{c,
			"IF(MONTH(" + c + ") = 0 OR DAYOFMONTH(" + c + ") = 0, NULL, CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " + c + ") AS CHAR))",
			"CAST(epoch_us(" + c + ") AS VARCHAR)", false})
	}
	for _, c := range []string{"tm", "tm6"} {
		out = append(out, colCheck{c,
			"CAST(HOUR(" + c + ")*3600000000 + MINUTE(" + c + ")*60000000 + SECOND(" + c + ")*1000000 + MICROSECOND(" + c + ") AS CHAR)",
			"CAST(" + c + " AS VARCHAR)", false}) // signed microseconds
	}
	out = append(out,
		colCheck{"yr", "NULLIF(CAST(yr AS CHAR), '0000')", "CAST(yr AS VARCHAR)", false},
		colCheck{"b1", "CAST(b1+0 AS CHAR)", "CAST(CAST(b1 AS INT) AS VARCHAR)", false},
		colCheck{"b10", "CAST(b10+0 AS CHAR)", "CAST(b10 AS VARCHAR)", false},
	)
	return out
}

func TestFullExtractKeepsEveryTypeExact(t *testing.T) {
	f := newFixture(t)
	conn, err := f.my.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range append([]string{"SET SESSION sql_mode = ''", "SET SESSION time_zone = '+00:00'", allTypesDDL}, allTypesRows...) {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	res := f.mustExtract(f.opts("all_types"))
	if res.Rows != int64(len(allTypesRows)) || res.Files < 1 || res.Bytes <= 0 {
		t.Fatalf("result %+v: want %d rows in at least one file", res, len(allTypesRows))
	}
	// Zero dates of row 2: dt, dtm, ts, yr, nn_date.
	if res.ZeroDatesNulled != 5 {
		t.Errorf("zero_dates_nulled = %d, want 5", res.ZeroDatesNulled)
	}
	duck := f.duck("all_types")
	for _, c := range allTypesChecks() {
		t.Run(c.name, func(t *testing.T) {
			var want []string
			rows, err := conn.QueryContext(context.Background(), "SELECT "+c.maria+" FROM all_types ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s *string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				if s == nil {
					want = append(want, "<nil>")
				} else {
					want = append(want, *s)
				}
			}
			rows.Close()
			got := strings1(t, duck, "SELECT "+c.duck+" FROM lk ORDER BY id")
			if len(got) != len(want) {
				t.Fatalf("lake has %d rows, MariaDB %d", len(got), len(want))
			}
			for i := range want {
				if !sameValue(want[i], got[i], c.float) {
					t.Errorf("row %d: MariaDB %q, lake %q", i+1, want[i], got[i])
				}
			}
		})
	}
	// MariaDB's JSON (LONGTEXT + JSON_VALID check) is a JSON column; a plain
	// LONGTEXT is not.
	for col, want := range map[string]string{"js": "JSON", "lt": "VARCHAR", "biu": "UBIGINT", "d3": "DECIMAL(38,10)"} {
		if got := scalar(t, duck, "SELECT column_type FROM (DESCRIBE lk) WHERE column_name = ?", col); got != want {
			t.Errorf("lake type of %s = %s, want %s", col, got, want)
		}
	}
}

func sameValue(want, got string, float bool) bool {
	if !float || want == "<nil>" || got == "<nil>" {
		return want == got
	}
	a, err1 := strconv.ParseFloat(want, 64)
	b, err2 := strconv.ParseFloat(got, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	return a == b || math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b))
}

func TestUnmappableColumnsFailNamingTheColumn(t *testing.T) {
	f := newFixture(t)
	f.exec(
		"CREATE TABLE wide_dec (id INT PRIMARY KEY, amount DECIMAL(65,30))",
		"INSERT INTO wide_dec VALUES (1, 1.5)",
	)
	for _, tc := range []struct{ table, want string }{
		{"wide_dec", `column "amount"`},
	} {
		t.Run(tc.table, func(t *testing.T) {
			_, err := f.extract(f.opts(tc.table))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			var usage *input.Error
			_ = errors.As(err, &usage)
			f.lakeUntouched(tc.table)
		})
	}
}

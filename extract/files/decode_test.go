package files

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodeReadsEveryLandedFormat(t *testing.T) {
	for _, tc := range []struct {
		name, key, format, body string
		ids                     []any
		badLines                []int
	}{
		{"json lines", "a.jsonl", "auto", "{\"id\":1}\n{\"id\":2}\r\n\n", []any{"1", "2"}, nil},
		{"concatenated, Firehose", "a", "auto", `{"id":1}{"id":2} {"id":3}`, []any{"1", "2", "3"}, nil},
		{"array", "a.json", "auto", " [{\"id\":1},\n{\"id\":2}]", []any{"1", "2"}, nil},
		{"byte order mark", "a", "auto", "\ufeff{\"id\":1}", []any{"1"}, nil},
		{"bad line, the rest read", "a", "jsonl", "{\"id\":1}\n{\"id\":\n{\"id\":3}\n[1]\n", []any{"1", "3"}, []int{2, 4}},
		{"array cut short", "a", "json", "[{\"id\":1},\n{\"id\":", nil, []int{2}},
		{"csv", "a.csv", "auto", "id,name,ok\n1,\"a, b\",true\n2,,false\n", []any{"1", "2"}, nil},
		{"csv wrong width", "a.CSV.gz", "auto", "id,name\n1,a\n2\n3,c\n", []any{"1", "3"}, []int{3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := []byte(tc.body)
			d := decode(formatOf(tc.format, tc.key, b), b)
			var ids []any
			for _, r := range d.recs {
				ids = append(ids, string(r["id"].(json.Number)))
			}
			var lines []int
			for _, br := range d.bad {
				lines = append(lines, br.Line)
			}
			if !reflect.DeepEqual(ids, tc.ids) || !reflect.DeepEqual(lines, tc.badLines) {
				t.Fatalf("ids %v bad lines %v (%+v), want %v and %v", ids, lines, d.bad, tc.ids, tc.badLines)
			}
		})
	}
}

func TestGzipIsFoundBySuffixOrMagicBytes(t *testing.T) {
	z := gz([]byte(`{"id":1}`))
	for _, key := range []string{"a.gz", "firehose-object-without-suffix"} {
		b, err := uncompress(key, z)
		if err != nil || string(b) != `{"id":1}` {
			t.Fatalf("%s: %q %v", key, b, err)
		}
	}
	if _, err := uncompress("a.gz", []byte("plain")); err == nil {
		t.Fatal("a .gz that is not gzip: no error")
	}
	if b, _ := uncompress("a.json", []byte("plain")); string(b) != "plain" {
		t.Fatal("plain object changed")
	}
}

func TestRoutesFirstMatchWinsAndNameTablesByGroups(t *testing.T) {
	var routes []Route
	for _, s := range []string{`^(?P<stream>[A-Za-z-]+)/\d{4}/=push_{stream}`, `^events/=events`, `=x=all_else`} {
		r, err := ParseRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		routes = append(routes, r)
	}
	for key, want := range map[string]string{
		"Push-Open/2026/11/30/10/a": "push_push_open",
		"events/2026/a":             "push_events", // the first match wins
		"events/x":                  "events",
		"other=x/y":                 "all_else",
		"nothing":                   "",
	} {
		got, ok, err := match(routes, key)
		if err != nil || got != want || ok != (want != "") {
			t.Errorf("%s: %q %v %v, want %q", key, got, ok, err, want)
		}
	}
	for _, bad := range []string{"noequals", "x=", "=t", "(=t", "x=Bad", "(?P<a>x)=t_{b}"} {
		if _, err := ParseRoute(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

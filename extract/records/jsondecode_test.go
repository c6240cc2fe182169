package records

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// stdDecode is what ParseJSON must match: encoding/json with UseNumber,
// one value, nothing but white space after it.
func stdDecode(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err == nil || dec.InputOffset() < int64(len(bytes.TrimRight(b, " \t\r\n"))) {
		return nil, false
	}
	return v, true
}

var jsonCorpus = []string{
	`{"data":[{"id":"a-1","amount":12.25,"n":-0,"e":1E+3,"f":-1.5e-7,"ok":true,"no":false,"nil":null}]}`,
	`[]`, `{}`, `[[],{},[{}]]`, ` 1 `, `"x"`, `0`, `-0.0`, `null`, `true`,
	`{"a":1,"a":2}`,
	`"\u00e9\ud83d\ude00 \ud800 \udc00x \ud800\u0041 \/\b\f\n\r\t\"\\"`,
	"\"caf\xc3\xa9 \xff\xfe bad\"", "{\"k\xff\":\"v\"}", "\"\x7f\"",
	// invalid
	``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`,
	`tru`, `nul`, `"abc`, `"\x"`, `"\u12"`, `"\u12zz"`, "\"a\nb\"", `{"a":1}}`, `[1] [2]`, `1 2`,
	`{"data":[{"id":`, `<html>maintenance</html>`, `"\ud800\u12zz"`, "\xef\xbb\xbf{}",
}

func TestParseJSONMatchesEncodingJSON(t *testing.T) {
	for _, in := range jsonCorpus {
		want, wantOK := stdDecode([]byte(in))
		got, err := ParseJSON([]byte(in))
		if (err == nil) != wantOK {
			t.Errorf("ParseJSON(%q) error = %v, encoding/json ok = %v", in, err, wantOK)
			continue
		}
		if wantOK && !reflect.DeepEqual(got, want) {
			t.Errorf("ParseJSON(%q) = %#v, encoding/json = %#v", in, got, want)
		}
	}
}

func FuzzParseJSONMatchesEncodingJSON(f *testing.F) {
	for _, in := range jsonCorpus {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want, wantOK := stdDecode(in)
		got, err := ParseJSON(in)
		if (err == nil) != wantOK {
			t.Fatalf("ParseJSON(%q) error = %v, encoding/json ok = %v", in, err, wantOK)
		}
		if wantOK && !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseJSON(%q) = %#v, encoding/json = %#v", in, got, want)
		}
		if wantOK {
			if m, _ := json.Marshal(got); !bytes.Equal(AppendJSON(nil, got), m) {
				t.Fatalf("AppendJSON(%q) = %s, json.Marshal = %s", in, AppendJSON(nil, got), m)
			}
		}
	})
}

// AppendJSON must give json.Marshal's bytes for every parsed value.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	for _, in := range jsonCorpus {
		v, err := ParseJSON([]byte(in))
		if err != nil {
			continue
		}
		want, _ := json.Marshal(v)
		if got := AppendJSON(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON(%q) = %s, json.Marshal = %s", in, got, want)
		}
	}
	for _, v := range []any{map[string]any(nil), []any(nil), json.Number(""), 1.5, map[string]any{"b": []any{"<x>", json.Number("2")}, "a": nil}} {
		want, _ := json.Marshal(v)
		if got := AppendJSON(nil, v); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON(%#v) = %s, json.Marshal = %s", v, got, want)
		}
	}
}

// IndexOfKey's fast path relies on ColumnName being idempotent (but for
// the empty key's "f_", which it excludes).
func TestColumnNameIsIdempotent(t *testing.T) {
	for _, k := range []string{"id", "User ID", "1st", "a--b_", "_x", "éa", "f_1", "A.B.c", "-", "", "9"} {
		c := ColumnName(k)
		if ColumnName(c) != c && c != "f_" {
			t.Errorf("ColumnName(%q) = %q, ColumnName of that = %q", k, c, ColumnName(c))
		}
	}
}

package api

import (
	"encoding/json"
	"hash/fnv"
	"testing"
)

// The state keeps fingerprints across runs: the fast path must give the
// bytes (and so the hashes) json.Marshal and hash/fnv gave.
func TestFingerprintKeepsTheHashesOfEarlierRuns(t *testing.T) {
	values := []any{nil, "a-2026010100-07", "", "with \"quote\"", "<html>&", "tab\t", "é", "\u2028", "bad\xff",
		json.Number("12"), json.Number("-0.25e3"), true, 3.5, map[string]any{"b": 1, "a": []any{"x"}}}
	lay := &layout{key: []int{0}, cursor: 1}
	for _, k := range values {
		for _, c := range values {
			vals := []any{k, c}
			h := fnv.New64a()
			h.Write([]byte("acct"))
			h.Write([]byte{0})
			b, _ := json.Marshal(k)
			h.Write(b)
			h.Write([]byte{0})
			b, _ = json.Marshal(c)
			h.Write(b)
			if got, want := lay.fingerprint("acct", nil, vals), h.Sum64(); got != want {
				t.Errorf("fingerprint(%#v, %#v) = %x, want %x", k, c, got, want)
			}
		}
	}
	obj := map[string]any{"id": "x", "n": json.Number("1")}
	h := fnv.New64a()
	h.Write([]byte("acct\x00"))
	b, _ := json.Marshal(obj)
	h.Write(b)
	if got := (&layout{cursor: -1}).fingerprint("acct", obj, nil); got != h.Sum64() {
		t.Errorf("keyless fingerprint = %x, want %x", got, h.Sum64())
	}
}

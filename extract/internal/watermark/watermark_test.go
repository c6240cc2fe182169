package watermark

import (
	"errors"
	"testing"
	"time"
)

func TestFormatAndParseRoundTrip(t *testing.T) {
	for _, c := range []struct {
		typ CursorType
		o   int64
		s   string
	}{
		{Int, -42, "-42"},
		{Date, 20415, "2025-11-23"},
		{Timestamp, 1763906706123456, "2025-11-23 14:05:06.123456"},
	} {
		if got := c.typ.Format(c.o); got != c.s {
			t.Errorf("%s Format(%d) = %q, want %q", c.typ, c.o, got, c.s)
		}
		if got, err := c.typ.Parse(c.s); err != nil || got != c.o {
			t.Errorf("%s Parse(%q) = %d, %v", c.typ, c.s, got, err)
		}
	}
	if _, err := Timestamp.Parse("yesterday"); err == nil {
		t.Error("a bad state value parsed")
	}
}

func TestLookbackUnits(t *testing.T) {
	if lb, _ := Date.Lookback(25 * time.Hour); lb != 2 {
		t.Errorf("date lookback of 25h = %d days, want 2", lb)
	}
	if lb, _ := Timestamp.Lookback(time.Second); lb != 1_000_000 {
		t.Errorf("timestamp lookback of 1s = %d, want 1e6", lb)
	}
	if _, err := Int.Lookback(time.Second); !errors.Is(err, ErrLookback) {
		t.Errorf("int lookback: %v", err)
	}
}

func TestSeenSurvivesTheStateAndIsTrimmedToMaxSeen(t *testing.T) {
	written := map[int64][]uint64{10: {3, 1, 3}, 20: {2}, 5: {9}}
	groups, from, trimmed := EncodeSeen(Int, written, 10)
	if from != 10 || trimmed || len(groups) != 2 {
		t.Fatalf("groups %v from %d trimmed %v", groups, from, trimmed)
	}
	back, err := DecodeSeen(Int, groups)
	if err != nil || len(back[10]) != 2 || len(back[20]) != 1 || back[5] != nil {
		t.Fatalf("decoded %v, %v", back, err)
	}
	big := map[int64][]uint64{1: make([]uint64, MaxSeen), 2: {7}}
	for i := range big[1] {
		big[1][i] = uint64(i)
	}
	if _, from, trimmed := EncodeSeen(Int, big, 0); !trimmed || from != 2 {
		t.Fatalf("trim: from %d trimmed %v", from, trimmed)
	}
}

func TestWindowReportsWhatTheStateKnows(t *testing.T) {
	st := State{Watermark: "100", SeenFrom: "95"}
	if wm, lo, sf, err := Window(Int, st, 10); err != nil || wm != 100 || lo != 90 || sf != 95 {
		t.Fatalf("wm %d lo %d seen_from %d err %v", wm, lo, sf, err)
	}
	if _, lo, sf, _ := Window(Int, State{Watermark: "100"}, 2); lo != 98 || sf != 98 {
		t.Fatalf("lo %d seen_from %d", lo, sf)
	}
}

func TestPairHashSeparatesKeys(t *testing.T) {
	if PairHash([][]byte{[]byte("ab"), []byte("c")}, 1) == PairHash([][]byte{[]byte("a"), []byte("bc")}, 1) {
		t.Fatal("key boundaries do not count")
	}
}

package lake_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

type testRecord struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Files []string `json:"files"`
}

func TestPutJSONThenGetJSONReturnsTheRecord(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	want := testRecord{Name: "orders", Count: 3, Files: []string{"a.parquet", "b.parquet"}}
	info, err := lake.PutJSON(ctx, s, "_lakectl/x/rec.json", want, lake.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Stat(ctx, "_lakectl/x/rec.json")
	if err != nil {
		t.Fatal(err)
	}
	if info.ETag == "" || info.ETag != st.ETag || info.Size != st.Size {
		t.Fatalf("PutJSON info %+v, Stat %+v: want the stored object's ETag and size", info, st)
	}
	var got testRecord
	if err := lake.GetJSON(ctx, s, "_lakectl/x/rec.json", &got); err != nil {
		t.Fatal(err)
	}
	if got.Name != want.Name || got.Count != want.Count || strings.Join(got.Files, ",") != strings.Join(want.Files, ",") {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestPutJSONConditionsFailWithErrPrecondition(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	const key = "_lakectl/locks/j.json"
	v1, err := lake.PutJSON(ctx, s, key, testRecord{Count: 1}, lake.PutOptions{IfNoneMatch: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lake.PutJSON(ctx, s, key, testRecord{Count: 2}, lake.PutOptions{IfNoneMatch: true}); !errors.Is(err, lake.ErrPrecondition) || !strings.Contains(err.Error(), key) {
		t.Fatalf("create over an existing record: err = %v, want ErrPrecondition naming %s", err, key)
	}
	v2, err := lake.PutJSON(ctx, s, key, testRecord{Count: 3}, lake.PutOptions{IfMatch: v1.ETag})
	if err != nil {
		t.Fatalf("replace with the ETag PutJSON returned: %v", err)
	}
	if _, err := lake.PutJSON(ctx, s, key, testRecord{Count: 4}, lake.PutOptions{IfMatch: v1.ETag}); !errors.Is(err, lake.ErrPrecondition) {
		t.Fatalf("replace with a stale ETag: err = %v, want ErrPrecondition", err)
	}
	var got testRecord
	if err := lake.GetJSON(ctx, s, key, &got); err != nil {
		t.Fatal(err)
	}
	if got.Count != 3 {
		t.Fatalf("count = %d, want 3 (the only replace that matched, ETag %s)", got.Count, v2.ETag)
	}
}

func TestGetJSONErrors(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	if _, err := s.Put(ctx, "bad.json", strings.NewReader("{not json"), 9, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		key         string
		wantMissing bool
	}{
		{"missing object wraps ErrNotExist", "none.json", true},
		{"undecodable object names the key", "bad.json", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v testRecord
			err := lake.GetJSON(ctx, s, tc.key, &v)
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("err = %v, want an error naming %s", err, tc.key)
			}
			if errors.Is(err, lake.ErrNotExist) != tc.wantMissing {
				t.Fatalf("errors.Is(%v, ErrNotExist) = %v, want %v", err, !tc.wantMissing, tc.wantMissing)
			}
		})
	}
}

func TestPutJSONOfUnencodableValueWritesNothing(t *testing.T) {
	ctx := context.Background()
	s := newFileStore(t)
	_, err := lake.PutJSON(ctx, s, "c.json", map[string]any{"c": make(chan int)}, lake.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "c.json") {
		t.Fatalf("err = %v, want an encode error naming c.json", err)
	}
	if _, err := s.Stat(ctx, "c.json"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("stat after a failed encode: %v, want ErrNotExist", err)
	}
}

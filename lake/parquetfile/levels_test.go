package parquetfile

import "testing"

// The writer's fast path sets levels through a mirror of parquet.Value;
// this fails when a parquet-go upgrade changes the layout (the writer then
// falls back to Value.Level, correct but slower).
func TestLevelsMirrorMatchesParquetGo(t *testing.T) {
	if !levelsInline {
		t.Fatal("parquet.Value's layout changed: update valueLayout in levels.go")
	}
}

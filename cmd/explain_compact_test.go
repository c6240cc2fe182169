package cmd

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// The compaction library names no command; the remedies of an unknown
// partition are added here, in the words the CLI always printed.
func TestLakeCompactUnknownPartitionNamesLakeLs(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeTable(t, store, "orders", 0, 10)
	code, _, errOut := run(t, "--lake", dir, "lake", "compact", "orders", "--partition", "region=mars")
	want := `table orders has no partition "region=mars" (partitions look like: `
	if code != 2 || !strings.Contains(errOut, want) || !strings.Contains(errOut, "; see `lakectl lake ls orders`)") {
		t.Fatalf("exit %d %q, want 2 and %q ... see `lakectl lake ls orders`)", code, errOut, want)
	}
}

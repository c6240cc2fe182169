package cmd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// A serverless workgroup has no node type: its size reads "4 rpu", not
// "4  rpu".
func TestStatusSizeHasNoDoubleSpace(t *testing.T) {
	var b bytes.Buffer
	printSize(&b, &statusWithSize{StatusResult: &warehouse.StatusResult{}, Size: &scale.Size{Kind: "serverless", Name: "wg", Count: 4, Unit: "rpu", State: "AVAILABLE"}})
	if got := b.String(); !strings.HasPrefix(got, "serverless wg: 4 rpu, AVAILABLE") {
		t.Fatalf("status: %q", got)
	}
}

// An offline dry run says once that the warehouse was unreachable: the
// library's text already names it and the planning assumption.
func TestOfflinePlanSaysUnreachableOnce(t *testing.T) {
	var b bytes.Buffer
	why := "connect to postgres://u@h:5439/dev: h:5439 did not answer within the connect timeout of 2s (warehouse unreachable); planned as if nothing were loaded yet"
	if err := printLoad(&b, "loaded", &warehouse.LoadResult{DryRun: true, Unreachable: why}); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); strings.Count(got, "unreachable") != 1 || strings.Count(got, "as if nothing") != 1 {
		t.Fatalf("offline plan: %q", got)
	}
}

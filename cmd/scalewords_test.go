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

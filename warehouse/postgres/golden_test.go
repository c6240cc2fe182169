package postgres

import (
	"flag"
	"testing"

	"github.com/lakectl/lakectl/warehouse/internal/whtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestEveryTemplateRendersAsItsGoldenFile pins the dialect's SQL; run
// go test -update after an intended change and review the diff.
func TestEveryTemplateRendersAsItsGoldenFile(t *testing.T) {
	whtest.CheckTemplates(t, Templates(), whtest.Statement("public"), *update, "copy_stdin")
}

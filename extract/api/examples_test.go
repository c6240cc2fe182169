package api

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDocumentedExamplesAreValidSpecs keeps docs/examples/ loadable.
func TestDocumentedExamplesAreValidSpecs(t *testing.T) {
	files, _ := filepath.Glob("../../docs/examples/*.json")
	if len(files) < 6 {
		t.Fatalf("found %d example specs, want one per pagination style", len(files))
	}
	styles := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseSpec(f, b)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for _, e := range s.Endpoints {
			styles[e.Pagination.Type] = true
		}
	}
	for _, st := range []string{"none", "page", "offset", "cursor", "next_url", "link_header"} {
		if !styles[st] {
			t.Errorf("no example uses pagination %q", st)
		}
	}
}

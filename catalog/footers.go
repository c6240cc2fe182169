package catalog

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// KnownFooter is what the last crawl read from a live file's footer.
type KnownFooter struct {
	Schema   schema.Schema
	Rows     int64
	MaxBytes map[string]int // nil when the file does not record it
}

// KnownFooters returns what the table's file index holds about the file
// at key (relative to the lake root) when its size and ETag still match,
// as a crawl trusts it, so a reader of many files (a warehouse load) need
// not GET their footers again. The index is a cache: when it cannot be
// read the lookup knows nothing.
func KnownFooters(ctx context.Context, store lake.Store, table string) func(key string, size int64, etag string) (KnownFooter, bool) {
	none := func(string, int64, string) (KnownFooter, bool) { return KnownFooter{}, false }
	if validTable(table) != nil {
		return none
	}
	idx, err := loadIndex(ctx, store, table)
	if err != nil || len(idx.Files) == 0 {
		return none
	}
	prefix := tablePrefix(table)
	// A group whose stored schema no longer has its fingerprint (a field
	// the JSON does not keep) is not trusted.
	groups := map[string]*fileGroup{}
	for fp, g := range idx.Groups {
		if g != nil && g.Schema.Fingerprint() == fp {
			groups[fp] = g
		}
	}
	return func(key string, size int64, etag string) (KnownFooter, bool) {
		rel, ok := strings.CutPrefix(key, prefix)
		if !ok {
			return KnownFooter{}, false
		}
		f, ok := idx.Files[rel]
		g := groups[f.Fingerprint]
		if !ok || g == nil || f.Size != size || f.ETag != etag {
			return KnownFooter{}, false
		}
		// Each file gets its own copy, as a footer read would give it.
		s := schema.Schema{Columns: slices.Clone(g.Schema.Columns)}
		return KnownFooter{Schema: s, Rows: f.Rows, MaxBytes: maps.Clone(f.MaxBytes)}, true
	}
}

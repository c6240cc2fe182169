package catalog

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/lakectl/lakectl/lake"
)

// PartitionDir is one partition folder of a table's live files: its
// values in the order of the table's partition keys, and its path under
// tables/<t>/ ("dt=2026-03-02/region=eu/").
type PartitionDir struct {
	Values []string
	Path   string
}

// ErrMixedLayout says a table's live files use two partition layouts.
var ErrMixedLayout = fmt.Errorf("live files use two partition layouts")

// PartitionDirs lists the distinct partition folders of table's live
// files, sorted by path; none for an unpartitioned table. A table whose
// files use two layouts is an error wrapping ErrMixedLayout.
func PartitionDirs(ctx context.Context, store lake.Store, table string) ([]PartitionDir, error) {
	if err := validTable(table); err != nil {
		return nil, err
	}
	l, err := listTable(ctx, store, table, nil)
	if err != nil {
		return nil, err
	}
	if a, b, ok := l.parts.mixed(); ok {
		return nil, fmt.Errorf("table %s: %w (%s and %s): rewrite the files in one layout", table, ErrMixedLayout, tablePrefix(table)+a.file, tablePrefix(table)+b.file)
	}
	seen := map[string]bool{}
	var out []PartitionDir
	for _, f := range l.files {
		i := strings.LastIndex(f.rel, "/")
		if i < 0 {
			continue
		}
		path := f.rel[:i+1]
		if seen[path] {
			continue
		}
		seen[path] = true
		d := PartitionDir{Path: path}
		for _, seg := range strings.Split(strings.TrimSuffix(path, "/"), "/") {
			_, v, _ := strings.Cut(seg, "=")
			if uv, err := url.PathUnescape(v); err == nil {
				v = uv
			}
			d.Values = append(d.Values, v)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// fileIndex is the catalog's memory of the files it has crawled, one small
// object per table (_lakectl/catalog/<table>/files.json): what each live
// file's footer said, keyed by the file's key and checked by size and
// ETag, and the schema of each file group (files sharing a schema
// fingerprint). A crawl reads footers only of files the index does not
// know, and the groups keep files written under older versions known.
type fileIndex struct {
	Files  map[string]indexedFile `json:"files"`  // key relative to tables/<table>/
	Groups map[string]*fileGroup  `json:"groups"` // by schema fingerprint
}

type indexedFile struct {
	Size        int64  `json:"size"`
	ETag        string `json:"etag,omitempty"`
	Rows        int64  `json:"rows"`
	Fingerprint string `json:"fp"`
	// MaxBytes is the file's maximum byte length per string column
	// (parquetfile.KeyMaxBytes), nil when the file does not record it.
	MaxBytes map[string]int `json:"max_bytes,omitempty"`
}

type fileGroup struct {
	Schema  schema.Schema `json:"schema"`
	Version int           `json:"version"` // the catalog version current when the group was first crawled
}

// FileGroup is the schema shared by some of a table's live files.
type FileGroup struct {
	Fingerprint string        `json:"fingerprint"`
	Schema      schema.Schema `json:"schema"`
	Version     int           `json:"version"` // the table version the group was first seen under
	Files       []string      `json:"files"`   // keys relative to the lake root, sorted
	Rows        int64         `json:"rows"`
}

// knows returns what the index holds of f when f is the file it was
// (same size and ETag) and its group is known.
func (idx *fileIndex) knows(f liveFile) (indexedFile, bool) {
	known, ok := idx.Files[f.rel]
	if ok && known.Size == f.size && known.ETag == f.etag && idx.Groups[known.Fingerprint] != nil {
		return known, true
	}
	return indexedFile{}, false
}

func indexKey(table string) string { return catalogPrefix(table) + "files.json" }

func newIndex() *fileIndex {
	return &fileIndex{Files: map[string]indexedFile{}, Groups: map[string]*fileGroup{}}
}

// loadIndex reads a table's file index; a missing one is empty.
func loadIndex(ctx context.Context, store lake.Store, table string) (*fileIndex, error) {
	idx := newIndex()
	err := lake.GetJSON(ctx, store, indexKey(table), idx)
	if errors.Is(err, lake.ErrNotExist) {
		return newIndex(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read file index of table %s: %w", table, err)
	}
	if idx.Files == nil {
		idx.Files = map[string]indexedFile{}
	}
	if idx.Groups == nil {
		idx.Groups = map[string]*fileGroup{}
	}
	return idx, nil
}

// saveIndex replaces the index. It is a cache of footers, so the last
// writer winning is harmless.
func saveIndex(ctx context.Context, store lake.Store, table string, idx *fileIndex) error {
	if _, err := lake.PutJSON(ctx, store, indexKey(table), idx, lake.PutOptions{}); err != nil {
		return fmt.Errorf("write file index of table %s: %w", table, err)
	}
	return nil
}

// FileGroups returns the schema of each group of table's files as the
// last crawl saw them, so that files written under an older version stay
// known (e.g. to load them with the right column list).
func FileGroups(ctx context.Context, store lake.Store, table string) ([]FileGroup, error) {
	if err := validTable(table); err != nil {
		return nil, err
	}
	idx, err := loadIndex(ctx, store, table)
	if err != nil {
		return nil, err
	}
	byFP := map[string]*FileGroup{}
	for rel, f := range idx.Files {
		g := byFP[f.Fingerprint]
		if g == nil {
			meta := idx.Groups[f.Fingerprint]
			if meta == nil {
				continue
			}
			g = &FileGroup{Fingerprint: f.Fingerprint, Schema: meta.Schema, Version: meta.Version}
			byFP[f.Fingerprint] = g
		}
		g.Files = append(g.Files, tablePrefix(table)+rel)
		g.Rows += f.Rows
	}
	out := make([]FileGroup, 0, len(byFP))
	for _, g := range byFP {
		sort.Strings(g.Files)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Version != out[j].Version {
			return out[i].Version < out[j].Version
		}
		return out[i].Fingerprint < out[j].Fingerprint
	})
	return out, nil
}

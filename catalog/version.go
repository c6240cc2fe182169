package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// Version is one recorded schema of a table. Versions are numbered from 1
// and never rewritten: _lakectl/catalog/<table>/v000001.json, ...
type Version struct {
	N           int           `json:"n"`
	Time        time.Time     `json:"time"`
	Fingerprint string        `json:"fingerprint"`
	Schema      schema.Schema `json:"schema"`
	Partitions  []Partition   `json:"partitions,omitempty"`
	Files       int           `json:"files"`
	Change      string        `json:"change"` // "created", "added column x; widened column y int32 -> int64"
	Changes     []Change      `json:"changes,omitempty"`
}

// Partition is one Hive partition level of a table's folders
// (<name>=<value>/).
type Partition struct {
	Name   string      `json:"name"`
	Type   schema.Type `json:"type"`
	Source string      `json:"source,omitempty"` // the column it derives from, when known
	Unit   string      `json:"unit,omitempty"`   // day | hour | month for time partitions
	First  string      `json:"first,omitempty"`  // the smallest value seen, for Athena projection ranges
}

// RecordOptions describe a schema being recorded by a writer.
type RecordOptions struct {
	// Time of the version (zero: now).
	Time time.Time
	// Files is the number of live files the version describes (0: keep
	// the latest version's count).
	Files int
	// Partitions of the table (nil: keep the latest version's).
	Partitions []Partition
	// Replace says the write replaced every file of the table (a full
	// snapshot), so s is the whole table's schema. Otherwise s describes
	// files added next to older ones, and the recorded schema is the union
	// of the latest version and s: columns s lacks stay, as nullable.
	Replace bool
}

// maxRecordAttempts bounds the retries of a lost race to create a version.
const maxRecordAttempts = 20

func catalogPrefix(table string) string { return lake.Join("_lakectl/catalog", table) + "/" }

func versionKey(table string, n int) string {
	return catalogPrefix(table) + fmt.Sprintf("v%06d.json", n)
}

// validTable rejects names that are not one folder under tables/.
func validTable(name string) error {
	return table.ValidateName(name)
}

// Record keeps the catalog current for writers (extract, compact): it
// records s as a new version of table when it differs from the latest,
// and returns the latest version and whether it created one. A version is
// created with a conditional put; a writer that loses the race re-reads
// the latest version and tries again.
func Record(ctx context.Context, store lake.Store, table string, s schema.Schema, opts RecordOptions) (*Version, bool, error) {
	if err := validTable(table); err != nil {
		return nil, false, err
	}
	if err := s.Validate(); err != nil {
		return nil, false, fmt.Errorf("record schema of table %s: %w", table, err)
	}
	latest, err := Latest(ctx, store, table)
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return nil, false, err
	}
	return record(ctx, store, table, latest, opts.Time, func(latest *Version) (schema.Schema, []Partition, int, error) {
		next, parts, files := s, opts.Partitions, opts.Files
		if latest == nil {
			return next, parts, files, nil
		}
		if !opts.Replace {
			var err error
			if next, err = schema.Union(latest.Schema, s); err != nil {
				return next, parts, files, fmt.Errorf("record schema of table %s: %w", table, err)
			}
		}
		if parts == nil {
			parts = latest.Partitions
		}
		if files == 0 {
			files = latest.Files
		}
		return next, parts, files, nil
	})
}

// record creates the version that want computes from the latest one,
// unless it equals the latest. A lost race to create the version number
// re-reads the latest version and computes again.
// latest is the caller's fresh read of the latest version (nil: none).
func record(ctx context.Context, store lake.Store, table string, latest *Version, at time.Time, want func(latest *Version) (schema.Schema, []Partition, int, error)) (*Version, bool, error) {
	for attempt := 0; attempt < maxRecordAttempts; attempt++ {
		if attempt > 0 {
			var err error
			latest, err = Latest(ctx, store, table)
			if err != nil && !errors.Is(err, lake.ErrNotExist) {
				return nil, false, err
			}
		}
		next, parts, files, err := want(latest)
		if err != nil {
			return nil, false, err
		}
		if latest != nil && latest.Schema.Equal(next) && samePartitions(latest.Partitions, parts) {
			return latest, false, nil
		}
		v := newVersion(latest, next, parts, files, at)
		err = putVersion(ctx, store, table, v)
		if errors.Is(err, lake.ErrPrecondition) {
			continue // another writer created this version number first
		}
		if err != nil {
			return nil, false, err
		}
		return v, true, nil
	}
	return nil, false, fmt.Errorf("record schema of table %s: gave up after %d concurrent version conflicts", table, maxRecordAttempts)
}

// newVersion builds the version that follows latest (nil: the first).
func newVersion(latest *Version, s schema.Schema, parts []Partition, files int, at time.Time) *Version {
	if at.IsZero() {
		at = time.Now()
	}
	v := &Version{N: 1, Time: at.UTC(), Fingerprint: s.Fingerprint(), Schema: s, Partitions: parts, Files: files, Change: "created"}
	if latest != nil {
		v.N = latest.N + 1
		v.Changes = Compare(latest.Schema, s)
		v.Change = summarize(v.Changes, !samePartitions(latest.Partitions, parts))
	}
	return v
}

func putVersion(ctx context.Context, store lake.Store, table string, v *Version) error {
	key := versionKey(table, v.N)
	if _, err := lake.PutJSON(ctx, store, key, v, lake.PutOptions{IfNoneMatch: true}); err != nil {
		return fmt.Errorf("write schema version %s: %w", key, err)
	}
	return nil
}

func samePartitions(a, b []Partition) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		// First moves as old partitions go; it is not a schema change.
		x, y := a[i], b[i]
		x.First, y.First = "", ""
		if x != y {
			return false
		}
	}
	return true
}

// versionNumbers lists the recorded version numbers of table, ascending;
// an error wrapping lake.ErrNotExist when none was recorded.
func versionNumbers(ctx context.Context, store lake.Store, table string) ([]int, error) {
	prefix := catalogPrefix(table) + "v"
	var ns []int
	err := store.List(ctx, prefix, func(o lake.ObjectInfo) error {
		name := strings.TrimSuffix(strings.TrimPrefix(o.Key, prefix), ".json")
		if n, err := strconv.Atoi(name); err == nil && n > 0 && !strings.Contains(name, "/") {
			ns = append(ns, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list schema versions of table %s: %w", table, err)
	}
	if len(ns) == 0 {
		return nil, &NotCrawledError{Table: table}
	}
	sort.Ints(ns)
	return ns, nil
}

// Latest returns the newest version of table; an error wrapping
// lake.ErrNotExist when none was recorded.
func Latest(ctx context.Context, store lake.Store, table string) (*Version, error) {
	if err := validTable(table); err != nil {
		return nil, err
	}
	ns, err := versionNumbers(ctx, store, table)
	if err != nil {
		return nil, err
	}
	return readVersion(ctx, store, table, ns[len(ns)-1])
}

// Get returns version n of table. A missing version is a usage error that
// also wraps lake.ErrNotExist.
func Get(ctx context.Context, store lake.Store, table string, n int) (*Version, error) {
	if err := validTable(table); err != nil {
		return nil, err
	}
	v, err := readVersion(ctx, store, table, n)
	if errors.Is(err, lake.ErrNotExist) {
		ns, lerr := versionNumbers(ctx, store, table)
		if lerr != nil {
			return nil, lerr
		}
		return nil, input.Wrap(fmt.Errorf("table %s has no schema version %d (versions 1..%d): %w", table, n, ns[len(ns)-1], lake.ErrNotExist))
	}
	return v, err
}

// History returns every version of table, oldest first.
func History(ctx context.Context, store lake.Store, table string) ([]Version, error) {
	if err := validTable(table); err != nil {
		return nil, err
	}
	ns, err := versionNumbers(ctx, store, table)
	if err != nil {
		return nil, err
	}
	// One object per version: read versionReads at a time, in order.
	out := make([]Version, 0, len(ns))
	read := func(ctx context.Context, n int) (*Version, error) { return readVersion(ctx, store, table, n) }
	err = inorder.Fetch(ctx, ns, versionReads, read, func(_ int, v *Version, err error) error {
		if err != nil {
			return err
		}
		out = append(out, *v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// versionReads is how many versions History reads at once.
const versionReads = 16

// Diff returns the column changes (folder columns included) and the
// partition layout change from version a to version b of table.
// b = 0 means the latest; a = 0 means the one before b (with a single
// version, every column shows as added).
func Diff(ctx context.Context, store lake.Store, table string, a, b int) ([]Change, error) {
	var vb *Version
	var err error
	if b == 0 {
		vb, err = Latest(ctx, store, table)
	} else {
		vb, err = Get(ctx, store, table, b)
	}
	if err != nil {
		return nil, err
	}
	if a == 0 {
		a = vb.N - 1
	}
	var va *Version
	if a > 0 {
		if va, err = Get(ctx, store, table, a); err != nil {
			return nil, err
		}
	}
	return compareVersions(va, vb), nil
}

func readVersion(ctx context.Context, store lake.Store, table string, n int) (*Version, error) {
	key := versionKey(table, n)
	var v Version
	if err := lake.GetJSON(ctx, store, key, &v); err != nil {
		return nil, fmt.Errorf("read schema version %d of table %s: %w", n, table, err)
	}
	return &v, nil
}

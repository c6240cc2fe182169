package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// DefaultConcurrency is how many footers a crawl reads at once.
const DefaultConcurrency = 16

// liveFile is one listed live file of a table.
type liveFile struct {
	rel     string // key relative to tables/<table>/
	size    int64
	etag    string
	modTime time.Time
}

// scan is what the live files of a table say together.
type scan struct {
	files       int
	bytes, rows int64
	footersRead int
	recordsRead int // commit records read for lakectl's files
	schema      schema.Schema
	partitions  []Partition
	index       *fileIndex // the index describing exactly the live files
	dirty       bool       // index differs from the stored one
	newGroups   []string   // fingerprints not in the stored index
	// conflict, when set, is the first file group whose schema does not
	// unify with the older ones; schema is then the union of the others.
	conflict *ConflictError
	parts    *partitionScan
}

func tablePrefix(name string) string { return table.TablePrefix(name) }

// listing is a table's live files and their partition folders.
type listing struct {
	files []liveFile
	parts *partitionScan
	err   error // a file the listing could not place (listTables)
	// early, when set, read the table's state and the commit records of
	// its new files during the listing.
	early *early
}

// add places the live file at rel (relative to the table's prefix).
func (l *listing) add(key, rel string, o lake.ObjectInfo) error {
	if err := l.parts.add(rel); err != nil {
		return fmt.Errorf("file %s: %w", key, err)
	}
	f := liveFile{rel: rel, size: o.Size, etag: o.ETag, modTime: o.ModTime}
	l.files = append(l.files, f)
	if l.early != nil {
		l.early.add(f)
	}
	return nil
}

// listTables lists the live files of every table in one listing of
// tables/ (what table.List reads too), so that a crawl of the whole lake
// lists it once. The names are in key order; a table whose files the
// listing could not place carries the error in its listing.
//
// The first maxEarly tables' state and the commit records of their new
// files are read while the listing goes on (listing.early); the caller
// closes them.
func listTables(ctx context.Context, store lake.Store) ([]string, map[string]*listing, error) {
	var names []string
	lists := map[string]*listing{}
	const tables = "tables/" // table.TablePrefix less the name
	err := store.List(ctx, tables, func(o lake.ObjectInfo) error {
		name, rel, ok := strings.Cut(strings.TrimPrefix(o.Key, tables), "/")
		if !ok || !strings.HasSuffix(rel, ".parquet") || validTable(name) != nil {
			return nil
		}
		l := lists[name]
		if l == nil {
			l = &listing{parts: newPartitionScan()}
			if len(lists) < maxEarly {
				l.early = startEarly(ctx, store, name)
			}
			lists[name] = l
			names = append(names, name)
		}
		if l.err == nil {
			l.err = l.add(o.Key, rel, o)
		}
		return nil
	})
	if err != nil {
		for _, l := range lists {
			l.early.close()
		}
		return nil, nil, fmt.Errorf("list tables: %w", err)
	}
	return names, lists, nil
}

// listTable lists a table's live files, handing them to e when set. An
// empty table is an error.
func listTable(ctx context.Context, store lake.Store, name string, e *early) (*listing, error) {
	prefix := tablePrefix(name)
	l := &listing{parts: newPartitionScan(), early: e}
	err := store.List(ctx, prefix, func(o lake.ObjectInfo) error {
		if !strings.HasSuffix(o.Key, ".parquet") {
			return nil
		}
		return l.add(o.Key, strings.TrimPrefix(o.Key, prefix), o)
	})
	if err != nil {
		return nil, fmt.Errorf("list files of table %s: %w", name, err)
	}
	if len(l.files) == 0 {
		return nil, fmt.Errorf("table %s has no live Parquet files under %s: nothing to crawl (extract into it first, or check the table name and the lake)", name, prefix)
	}
	return l, nil
}

// tableState is what the catalog holds for a table: its latest version
// (nil when none) and its file index.
type tableState struct {
	latest *Version
	index  *fileIndex
}

// loadState reads the latest version and the file index, at once.
func loadState(ctx context.Context, store lake.Store, name string) (tableState, error) {
	var st tableState
	var ierr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.index, ierr = loadIndex(ctx, store, name)
	}()
	latest, err := Latest(ctx, store, name)
	<-done
	if err != nil && !errors.Is(err, lake.ErrNotExist) {
		return st, err
	}
	st.latest = latest
	return st, ierr
}

// listAndLoad lists the table's files (unless listed, from listTables)
// while it reads the catalog's state of the table and the commit records
// of the files the state does not know: the three are independent, and a
// crawl of an unchanged table then costs little more than the listing.
// The listing's early reads end with l.early.close.
func listAndLoad(ctx context.Context, store lake.Store, name string, listed *listing) (*listing, tableState, error) {
	if listed != nil {
		var st tableState
		var err error
		if listed.early != nil {
			st, err = listed.early.state()
		} else {
			st, err = loadState(ctx, store, name)
		}
		if listed.err != nil {
			return nil, st, listed.err
		}
		return listed, st, err
	}
	e := startEarly(ctx, store, name)
	l, lerr := listTable(ctx, store, name, e)
	st, err := e.state()
	if lerr != nil {
		e.close()
		return nil, st, lerr
	}
	if err != nil {
		e.close()
	}
	return l, st, err
}

// scanTable learns about the listed files the index does not know (from
// commit records for lakectl's files, else footers, concurrency at a
// time), and unifies their schemas. A file that is not
// Parquet is an error naming the table and the file. Files whose schemas
// do not unify with the older ones are left out of the schema and return
// the scan with a *ConflictError naming the column, both files and both
// types. types are the declared types of folder keys.
func scanTable(ctx context.Context, store lake.Store, name string, l *listing, idx *fileIndex, concurrency int, rep progress.Reporter, types map[string]schema.Type) (*scan, error) {
	prefix := tablePrefix(name)
	files, parts := l.files, l.parts
	sc := &scan{files: len(files), index: newIndex(), parts: parts}
	var unknown []int
	for i, f := range files {
		sc.bytes += f.size
		if known, ok := idx.knows(f); ok {
			sc.index.Files[f.rel] = known
			continue
		}
		unknown = append(unknown, i)
	}
	facts, records, footers, err := learnFiles(ctx, store, name, l.early, files, unknown, concurrency, rep)
	if err != nil {
		return nil, err
	}
	sc.recordsRead, sc.footersRead = records, footers
	for _, i := range unknown {
		f, ft := files[i], facts[i]
		sc.index.Files[f.rel] = indexedFile{Size: f.size, ETag: f.etag, Rows: ft.rows, Fingerprint: ft.fp, MaxBytes: ft.maxBytes}
		if idx.Groups[ft.fp] == nil && sc.index.Groups[ft.fp] == nil {
			sc.newGroups = append(sc.newGroups, ft.fp)
		}
		if g := idx.Groups[ft.fp]; g != nil {
			sc.index.Groups[ft.fp] = g
		} else if sc.index.Groups[ft.fp] == nil {
			sc.index.Groups[ft.fp] = &fileGroup{Schema: ft.schema}
		}
	}
	sc.dirty = len(unknown) > 0 || len(idx.Files) != len(sc.index.Files)

	// One representative (the oldest file) per schema group, groups in
	// the order of their oldest file.
	byFP := map[string]*group{}
	for _, f := range files {
		entry := sc.index.Files[f.rel]
		sc.rows += entry.Rows
		if g := idx.Groups[entry.Fingerprint]; g != nil && sc.index.Groups[entry.Fingerprint] == nil {
			sc.index.Groups[entry.Fingerprint] = g
		}
		g := byFP[entry.Fingerprint]
		if g == nil {
			byFP[entry.Fingerprint] = &group{fp: entry.Fingerprint, oldest: f}
		} else if older(f, g.oldest) {
			g.oldest = f
		}
	}
	groups := make([]*group, 0, len(byFP))
	for _, g := range byFP {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return older(groups[i].oldest, groups[j].oldest) })

	acc := sc.index.Groups[groups[0].fp].Schema
	for gi := 1; gi < len(groups); gi++ {
		next := sc.index.Groups[groups[gi].fp].Schema
		u, err := schema.Union(acc, next)
		var ce *schema.ConflictError
		if errors.As(err, &ce) {
			if sc.conflict == nil {
				sc.conflict = conflictWith(name, prefix, sc, groups[:gi], groups[gi].oldest.rel, ce)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		acc = u
	}
	sc.schema = acc
	sc.partitions = parts.result(acc, types)
	if sc.conflict != nil {
		return sc, sc.conflict
	}
	return sc, nil
}

// group is the files of one schema fingerprint, by their oldest file.
type group struct {
	fp     string
	oldest liveFile
}

// conflictWith names a file of an earlier group that disagrees with file
// rel on the column of ce.
func conflictWith(name, prefix string, sc *scan, earlier []*group, rel string, ce *schema.ConflictError) *ConflictError {
	e := &ConflictError{Table: name, Column: ce.Column, FileA: prefix + earlier[0].oldest.rel, TypeA: ce.A, FileB: prefix + rel, TypeB: ce.B}
	for _, g := range earlier {
		s := sc.index.Groups[g.fp].Schema
		if i := s.Index(ce.Column); i >= 0 {
			if _, ok := schema.Unify(s.Columns[i].Type, ce.B); !ok {
				e.FileA, e.TypeA = prefix+g.oldest.rel, s.Columns[i].Type
				break
			}
		}
	}
	return e
}

func older(a, b liveFile) bool {
	if !a.modTime.Equal(b.modTime) {
		return a.modTime.Before(b.modTime)
	}
	return a.rel < b.rel
}

// readFooters reads the footers of files[which[j]] with at most n reads
// in flight; the first error stops the rest.
func readFooters(ctx context.Context, store lake.Store, prefix string, files []liveFile, which []int, n int, rep progress.Reporter) ([]parquetfile.Footer, error) {
	out := make([]parquetfile.Footer, len(which))
	if len(which) == 0 {
		return out, nil
	}
	if n <= 0 {
		n = DefaultConcurrency
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan int)
	// The tail each read GETs: a table's files have footers of about one
	// size, so once one was larger the next reads take it in one GET.
	var tail atomic.Int64
	tail.Store(parquetfile.FirstTail)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := 0; w < min(n, len(which)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f := files[which[j]]
				key := prefix + f.rel
				ft, n, err := parquetfile.ReadFooterTail(ctx, store, key, f.size, tail.Load())
				for t := tail.Load(); err == nil && n+8 > t && !tail.CompareAndSwap(t, n+8+4<<10); t = tail.Load() {
				}
				if err == nil {
					err = ft.Schema.Validate()
					if err != nil {
						err = fmt.Errorf("file %s has an unusable schema: %w", key, err)
					}
				}
				if err != nil {
					if errors.Is(err, parquetfile.ErrNotParquet) {
						err = fmt.Errorf("file %s is not a Parquet file (%w); remove it from %s or rewrite it as Parquet", key, err, prefix)
					}
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				out[j] = ft
				rep.Add(ft.Rows, f.size)
			}
		}()
	}
feed:
	for j := range which {
		select {
		case jobs <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

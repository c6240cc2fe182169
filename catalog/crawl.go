package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// CrawlOptions tune a crawl.
type CrawlOptions struct {
	// Concurrency is how many footers are read at once (0: 16); commit
	// records are read 32 at a time.
	Concurrency int
	// Time stamps new versions (zero: now).
	Time time.Time
	// Logger (nil: discard) and Progress (nil: none; counts the rows and
	// bytes of the files learned from their footers or commit records).
	Logger   *slog.Logger
	Progress progress.Reporter
	// PartitionTypes are the declared types of folder keys, by table and
	// key (tables.<t>.partition_types); undeclared keys are strings.
	PartitionTypes map[string]map[string]schema.Type
}

// CrawlResult is what a crawl found, per table and in total.
type CrawlResult struct {
	Tables      []TableCrawl `json:"tables"`
	Files       int          `json:"files"`
	FootersRead int          `json:"footers_read"`
	RecordsRead int          `json:"records_read"`
	Rows        int64        `json:"rows"`
	Bytes       int64        `json:"bytes"`
	Recorded    int          `json:"recorded"` // new versions
	DurationS   float64      `json:"duration_s"`
}

// TableCrawl is the crawl of one table.
type TableCrawl struct {
	Table       string `json:"table"`
	Files       int    `json:"files"`
	FootersRead int    `json:"footers_read"` // files not known from an earlier crawl nor from their commit records
	// RecordsRead counts the commit records fetched (found or not) to
	// learn about lakectl's files not known from an earlier crawl: one per
	// commit, not per file.
	RecordsRead int      `json:"records_read"`
	Rows        int64    `json:"rows"`
	Bytes       int64    `json:"bytes"`
	Version     int      `json:"version"`  // the latest version after the crawl
	Recorded    bool     `json:"recorded"` // whether this crawl created it
	Change      string   `json:"change,omitempty"`
	Changes     []Change `json:"changes,omitempty"`
	Breaking    bool     `json:"breaking"`
	Error       string   `json:"error,omitempty"`
	// Note says what the crawl recorded around a problem: files left out
	// of the schema, partition layouts mixed.
	Note string `json:"note,omitempty"`
}

// Crawl learns about the live files of tables (every table with live
// files when tables is empty) from their footers, or for lakectl's files
// from their commit records (one per commit), derives each table's schema
// and partitions, and records a new version where they changed. Files
// already crawled (same key, size and ETag) are not read again. A
// table that fails (no files, a file that is not Parquet, files whose
// schemas do not unify) records nothing; the others are still crawled,
// and the error names every failed table.
func Crawl(ctx context.Context, store lake.Store, tables []string, opts CrawlOptions) (*CrawlResult, error) {
	start := time.Now()
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rep := progress.OrNop(opts.Progress)
	defer rep.Done()
	var listed map[string]*listing
	if len(tables) == 0 {
		var err error
		if tables, listed, err = listTables(ctx, store); err != nil {
			return nil, err
		}
		defer func() {
			for _, l := range listed {
				l.early.close()
			}
		}()
		if len(tables) == 0 {
			return nil, fmt.Errorf("the lake has no tables with live Parquet files under tables/: %w", ErrNothingToCrawl)
		}
	}
	// Tables are crawled tablesAtOnce at a time, in order: on S3 each
	// costs a few round trips even when unchanged, and a lake of many
	// tables would wait for them one table after another.
	type crawled struct {
		tc  TableCrawl
		err error
	}
	crawl := func(ctx context.Context, name string) (crawled, error) {
		tc, err := crawlTable(ctx, store, name, listed[name], opts, rep)
		return crawled{tc, err}, nil
	}
	res := &CrawlResult{Tables: make([]TableCrawl, 0, len(tables))}
	var errs []error
	err := inorder.Fetch(ctx, tables, tablesAtOnce, crawl, func(name string, c crawled, _ error) error {
		tc, err := c.tc, c.err
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			tc.Error = err.Error()
			errs = append(errs, err)
			log.Error("crawl failed", "table", name, "err", err)
		} else {
			log.Info("crawled", "table", name, "files", tc.Files, "footers_read", tc.FootersRead, "records_read", tc.RecordsRead, "version", tc.Version, "recorded", tc.Recorded, "change", tc.Change)
		}
		res.Tables = append(res.Tables, tc)
		res.Files += tc.Files
		res.FootersRead += tc.FootersRead
		res.RecordsRead += tc.RecordsRead
		res.Rows += tc.Rows
		res.Bytes += tc.Bytes
		if tc.Recorded {
			res.Recorded++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.DurationS = time.Since(start).Seconds()
	return res, joinErrors(errs)
}

// tablesAtOnce is how many tables a crawl crawls at once.
const tablesAtOnce = 4

// crawlTable crawls one table; listed is its files when the crawl listed
// them already (nil: list them).
func crawlTable(ctx context.Context, store lake.Store, name string, listed *listing, opts CrawlOptions, rep progress.Reporter) (TableCrawl, error) {
	tc := TableCrawl{Table: name}
	if err := validTable(name); err != nil {
		return tc, err
	}
	l, st, err := listAndLoad(ctx, store, name, listed)
	if err != nil {
		return tc, err
	}
	defer l.early.close()
	latest := st.latest
	sc, err := scanTable(ctx, store, name, l, st.index, opts.Concurrency, rep, opts.PartitionTypes[name])
	var conflict *ConflictError
	if errors.As(err, &conflict) {
		// Record what the other files say; say what was left out.
		tc.Note = fmt.Sprintf("recorded without %s and the other files of its schema", conflict.FileB)
	} else if err != nil {
		return tc, err
	}
	if a, b, ok := sc.parts.mixed(); ok {
		tc.Note = strings.TrimPrefix(tc.Note+"; ", "; ") + mixedChange(tablePrefix(name), a, b).Reason
	}
	tc.Files, tc.FootersRead, tc.RecordsRead, tc.Rows, tc.Bytes = sc.files, sc.footersRead, sc.recordsRead, sc.rows, sc.bytes
	s := sc.schema
	if latest != nil {
		s = orderLike(s, latest.Schema)
	}
	v, created, err := record(ctx, store, name, latest, opts.Time, func(latest *Version) (schema.Schema, []Partition, int, error) {
		return s, sc.partitions, sc.files, nil
	})
	if err != nil {
		return tc, err
	}
	tc.Version, tc.Recorded = v.N, created
	if created {
		tc.Change, tc.Changes, tc.Breaking = v.Change, v.Changes, Breaking(v.Changes)
	}
	for _, fp := range sc.newGroups {
		sc.index.Groups[fp].Version = v.N
		sc.dirty = true
	}
	if sc.dirty {
		if err := saveIndex(ctx, store, name, sc.index); err != nil {
			return tc, err
		}
	}
	if conflict != nil {
		return tc, conflict
	}
	return tc, nil
}

// joinErrors joins errors on one line (errors.Join uses newlines); the
// result still matches each with errors.Is/As.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return &multiError{errs: errs}
}

type multiError struct{ errs []error }

func (m *multiError) Error() string {
	msgs := make([]string, len(m.errs))
	for i, e := range m.errs {
		msgs[i] = e.Error()
	}
	return fmt.Sprintf("%d tables failed: %s", len(m.errs), strings.Join(msgs, "; "))
}

func (m *multiError) Unwrap() []error { return m.errs }

// orderLike reorders s's columns to follow prev's order for the columns
// prev has, the others after them in s's order: a crawl keeps the recorded
// column order stable whichever files happen to be the oldest.
func orderLike(s, prev schema.Schema) schema.Schema {
	out := schema.Schema{Columns: make([]schema.Column, 0, len(s.Columns))}
	used := make(map[string]bool, len(s.Columns))
	for _, p := range prev.Columns {
		if i := s.Index(p.Name); i >= 0 {
			out.Columns = append(out.Columns, s.Columns[i])
			used[strings.ToLower(p.Name)] = true
		}
	}
	for _, c := range s.Columns {
		if !used[strings.ToLower(c.Name)] {
			out.Columns = append(out.Columns, c)
		}
	}
	return out
}

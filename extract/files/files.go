// Package files ingests the objects that other systems land under an S3
// prefix or a folder (Kinesis Firehose output, service logs, partner
// drops) into lake tables: each key is routed to a table by the first
// matching route, each object is ingested exactly once (its key, size and
// ETag are recorded in the job's state, committed with its rows), and
// landed objects are never moved or deleted.
package files

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/lakectl/lakectl/internal/progress"
)

// Options configure Extract.
type Options struct {
	From   string  // s3://bucket/prefix, file:///abs/path or a folder
	Routes []Route // first match wins
	Format string  // FormatAuto (default), FormatJSON, FormatJSONL, FormatCSV
	// Job names the ingest record (default: from From).
	Job   string
	Since time.Time // objects last modified before it are left alone
	// Key and Cursor are record fields every record must carry (a record
	// without them is bad), recorded for loads that upsert.
	Key    []string
	Cursor string
	// PartitionBy: FIELD[:day|hour|month]; _ingested_at partitions by
	// arrival time.
	PartitionBy     string
	SkipBadRecords  bool // ingest the good records of an object, count the bad
	ReingestChanged bool // ingest again an object whose ETag changed
	// Concurrency: objects downloaded and decoded at once (default 8).
	Concurrency int
	// BatchObjects: objects per table per commit (default 1000).
	BatchObjects int
	Logger       *slog.Logger
	Progress     progress.Reporter
	Now          func() time.Time // for tests
}

// Defaults.
const (
	DefaultConcurrency  = 8
	DefaultBatchObjects = 1000
	// MaxListed bounds the keys listed in a result (counts are exact).
	MaxListed = 100
)

// Result reports a run.
type Result struct {
	Job            string         `json:"job"`
	Source         string         `json:"source"`
	Listed         int            `json:"listed"`  // objects seen under the source
	Objects        int            `json:"objects"` // objects ingested
	Records        int64          `json:"records"` // records read from them
	Rows           int64          `json:"rows"`
	Files          int64          `json:"files"`
	Bytes          int64          `json:"bytes"`    // Parquet bytes written
	InBytes        int64          `json:"in_bytes"` // object bytes read
	Tables         []TableResult  `json:"tables"`
	Unmatched      int            `json:"unmatched"`
	UnmatchedKeys  []string       `json:"unmatched_keys"`
	Changed        []string       `json:"changed"` // same key, new ETag
	Reingested     int            `json:"reingested"`
	Empty          []string       `json:"empty"` // objects of zero records, not recorded
	BadRecords     int            `json:"bad_records"`
	SkippedRecords int            `json:"skipped_records"`
	Problems       []ObjectIssue  `json:"problems"` // bad records (first MaxListed)
	Failed         []ObjectIssue  `json:"failed"`   // objects left un-ingested
	IngestedAt     time.Time      `json:"ingested_at"`
	DurationS      float64        `json:"duration_s"`
	tables         map[string]int // table -> index in Tables
}

// TableResult is what a run wrote to one table.
type TableResult struct {
	Table   string `json:"table"`
	Objects int    `json:"objects"`
	Rows    int64  `json:"rows"`
	Files   int64  `json:"files"`
	Bytes   int64  `json:"bytes"`
}

// ObjectIssue is a bad record, or an object that could not be ingested.
type ObjectIssue struct {
	Key    string `json:"key"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

func (o ObjectIssue) String() string {
	if o.Line > 0 {
		return fmt.Sprintf("%s line %d: %s", o.Key, o.Line, o.Reason)
	}
	return o.Key + ": " + o.Reason
}

// Errors, to be tested with errors.Is.
var (
	// ErrBadObjects: some objects held undecodable records and were left
	// un-ingested (the others were committed).
	ErrBadObjects = errors.New("objects with undecodable records were not ingested")
	// ErrNoObjects: the source holds no object at all.
	ErrNoObjects = errors.New("no objects under the source")
	// ErrOtherSource: the job's ingest record is of another source.
	ErrOtherSource = errors.New("the job ingests another source")
	// ErrNoSource: a local source folder does not exist.
	ErrNoSource = errors.New("source folder does not exist")
)

func (r *Result) table(name string) *TableResult {
	if r.tables == nil {
		r.tables = map[string]int{}
	}
	i, ok := r.tables[name]
	if !ok {
		i = len(r.Tables)
		r.tables[name] = i
		r.Tables = append(r.Tables, TableResult{Table: name})
	}
	return &r.Tables[i]
}

func (r *Result) problem(key string, b BadRecord) {
	r.BadRecords++
	if len(r.Problems) < MaxListed {
		r.Problems = append(r.Problems, ObjectIssue{Key: key, Line: b.Line, Reason: b.Reason})
	}
}

package table

import (
	"encoding/json"
	"time"

	"github.com/lakectl/lakectl/lake/schema"
)

// Ops a transaction can record.
const (
	OpAppend  = "append"  // adds files
	OpReplace = "replace" // adds a new snapshot, removes the old files
	OpCompact = "compact" // rewrites files; outputs carry lineage
)

// CommitRecord is the JSON document at
// _lakectl/tables/<table>/commits/<txid>.json. Its creation (If-None-Match)
// is the commit point. Field names are a documented contract.
type CommitRecord struct {
	TxID    string      `json:"txid"`
	Table   string      `json:"table"`
	Op      string      `json:"op"`
	Job     string      `json:"job,omitempty"`
	Time    time.Time   `json:"time"`
	Added   []FileEntry `json:"added"`
	Removed []string    `json:"removed"`
	// State holds the new state of each job the transaction advanced
	// (tx.SetState), raw JSON.
	State map[string]json.RawMessage `json:"state,omitempty"`
	// Schema is the lake schema of the added files.
	Schema *schema.Schema `json:"schema,omitempty"`
	// Aborted marks a record written by Recover to roll back a dead
	// transaction: it claims the txid so that its owner can never commit
	// it. An aborted record added and removed nothing.
	Aborted bool `json:"aborted,omitempty"`
}

// FileEntry is one data file added by a commit.
type FileEntry struct {
	Key               string    `json:"key"`                 // final key, "tables/<table>/[<partition>/]<name>.parquet"
	Size              int64     `json:"size"`                // bytes
	Rows              int64     `json:"rows"`                // rows in the file
	Partition         string    `json:"partition,omitempty"` // "col_day=2026-11-23" ("" unpartitioned), '/'-joined when nested
	SchemaFingerprint string    `json:"schema_fingerprint,omitempty"`
	Lineage           []Segment `json:"lineage,omitempty"` // compaction outputs only
	// MaxBytes is the file's footer's parquetfile.KeyMaxBytes (maximum
	// byte length of each string, JSON and bytes column), so that a crawl
	// needs the record, not the footer. Absent from records of earlier
	// versions, and when the schema has no such column.
	MaxBytes map[string]int `json:"max_bytes,omitempty"`
}

// Segment is a run of rows of a leaf file (a file written by an append or
// replace commit). A compaction output's rows are the concatenation of its
// segments, in order.
type Segment struct {
	File string `json:"file"`
	Rows int64  `json:"rows"`
}

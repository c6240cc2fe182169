package files

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"time"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// ingested is one object in the ingest record.
type ingested struct {
	Size int64  `json:"size"`
	ETag string `json:"etag"`
}

// stateColumn is a column of a table as the job laid it out.
type stateColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// jobState is the job's ingest record, carried by every commit of the
// job (whatever table it commits to), so that the data of an object and
// the record of its ingestion commit together.
type jobState struct {
	Source string `json:"source"` // the URL it reads
	// Objects: every object ingested, by key, except those below a
	// stream's horizon.
	Objects map[string]ingested `json:"objects"`
	// Horizons: for keys in Firehose's YYYY/MM/DD/HH/ folders, per
	// stream (the key up to the date), the first hour folder still
	// listed; every object before it is ingested or reported.
	Horizons map[string]string `json:"horizons,omitempty"`
	// Tables: the columns of each table the job writes, in order.
	Tables map[string][]stateColumn `json:"tables"`
}

func (s *jobState) clone() jobState {
	c := jobState{Source: s.Source, Objects: maps.Clone(s.Objects), Horizons: maps.Clone(s.Horizons), Tables: maps.Clone(s.Tables)}
	if c.Objects == nil {
		c.Objects = map[string]ingested{}
	}
	if c.Horizons == nil {
		c.Horizons = map[string]string{}
	}
	if c.Tables == nil {
		c.Tables = map[string][]stateColumn{}
	}
	return c
}

func loadState(ctx context.Context, store lake.Store, job string) (jobState, error) {
	var st jobState
	if err := table.LoadState(ctx, store, job, &st); err != nil && !errors.Is(err, lake.ErrNotExist) {
		return st, err
	}
	return st.clone(), nil
}

// columns are a table's columns in the state as schema columns.
func (s *jobState) columns(tbl string) ([]schema.Column, error) {
	var out []schema.Column
	for _, c := range s.Tables[tbl] {
		t, err := schema.ParseType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("state of table %s, column %s: %w", tbl, c.Name, err)
		}
		out = append(out, schema.Column{Name: c.Name, Type: t})
	}
	return out, nil
}

// hourFolder finds Firehose's YYYY/MM/DD/HH/ folders in a key.
var hourFolder = regexp.MustCompile(`(^|/)(\d{4}/\d{2}/\d{2}/\d{2})/`)

// streamOf splits a key into its stream (the key up to the hour folder)
// and the hour folder; ok is false for keys without one.
func streamOf(key string) (stream, hour string, ok bool) {
	m := hourFolder.FindStringSubmatchIndex(key)
	if m == nil {
		return "", "", false
	}
	return key[:m[4]], key[m[4]:m[5]], true
}

// lateArrival is how far behind the newest hour folder of a stream the
// next run lists again: Firehose names a folder by the hour a buffer
// started, and delivers it up to its buffer interval (and retries) later.
const lateArrival = time.Hour

// advanceHorizons moves each stream's horizon to lateArrival before its
// newest ingested hour, never past an object still to ingest (failed or
// left for later), and drops the records of objects below it.
func (s *jobState) advanceHorizons(pending []string) {
	newest := map[string]string{}
	for k := range s.Objects {
		if st, h, ok := streamOf(k); ok && h > newest[st] {
			newest[st] = h
		}
	}
	for st, h := range newest {
		t, err := time.Parse("2006/01/02/15", h)
		if err != nil {
			continue
		}
		hz := t.Add(-lateArrival).Format("2006/01/02/15")
		if hz > s.Horizons[st] {
			s.Horizons[st] = hz
		}
	}
	for _, k := range pending {
		if st, h, ok := streamOf(k); ok && h < s.Horizons[st] {
			s.Horizons[st] = h
		}
	}
	for k := range s.Objects {
		if st, h, ok := streamOf(k); ok && h < s.Horizons[st] {
			delete(s.Objects, k)
		}
	}
}

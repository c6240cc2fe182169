package catalog

import (
	"context"
	"slices"

	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// fileFacts is what a crawl learns about a file: from its footer, or for
// a file lakectl wrote, from its commit record.
type fileFacts struct {
	rows     int64
	fp       string
	schema   schema.Schema
	maxBytes map[string]int
}

func footerFacts(ft parquetfile.Footer) fileFacts {
	mb, _ := parquetfile.MaxBytes(ft.KeyValue)
	return fileFacts{rows: ft.Rows, fp: ft.Fingerprint, schema: ft.Schema, maxBytes: mb}
}

// learnFiles finds out about the files at which: lakectl's files from
// their commit records (one GET per commit, not per file), when a record
// lists the file with its listed size and tells all its footer would;
// the others (other tools' files, rewritten ones, files of records that
// lack max bytes) from their footers. It returns the facts by file index
// and how many records and footers it read.
//
// With e, the listing handed the files to e's describer already.
func learnFiles(ctx context.Context, store lake.Store, name string, e *early, files []liveFile, which []int, concurrency int, rep progress.Reporter) (map[int]fileFacts, int, int, error) {
	prefix := tablePrefix(name)
	facts := make(map[int]fileFacts, len(which))
	var (
		described map[string]table.Described
		records   int
		err       error
	)
	if e != nil {
		described, records, err = e.describe()
	} else {
		described, records, err = describe(ctx, store, name, files, which)
	}
	if err != nil {
		return nil, 0, 0, err
	}
	var rest []int
	for _, i := range which {
		d, ok := described[prefix+files[i].rel]
		if !ok || !d.Complete {
			rest = append(rest, i)
			continue
		}
		s := schema.Schema{Columns: slices.Clone(d.Schema.Columns)}
		facts[i] = fileFacts{rows: d.Rows, fp: d.SchemaFingerprint, schema: s, maxBytes: d.MaxBytes}
		rep.Add(d.Rows, files[i].size)
	}
	footers, err := readFooters(ctx, store, prefix, files, rest, concurrency, rep)
	if err != nil {
		return nil, 0, 0, err
	}
	for j, i := range rest {
		facts[i] = footerFacts(footers[j])
	}
	return facts, records, len(rest), nil
}

// describe reads the commit records of the lakectl files among
// files[which] and returns what they say by key, and how many records it
// read.
func describe(ctx context.Context, store lake.Store, name string, files []liveFile, which []int) (map[string]table.Described, int, error) {
	prefix := tablePrefix(name)
	var listed []table.File
	txids := map[string]bool{}
	for _, i := range which {
		key := prefix + files[i].rel
		if txid := table.TxIDOfFile(key); txid != "" {
			txids[txid] = true
			listed = append(listed, table.File{Key: key, Size: files[i].size})
		}
	}
	if len(listed) == 0 {
		return nil, 0, nil
	}
	tbl, err := table.Open(store, name)
	if err != nil {
		return nil, 0, err
	}
	d, err := tbl.Describe(ctx, listed)
	return d, len(txids), err
}

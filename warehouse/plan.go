package warehouse

import (
	"context"
	"fmt"
	"path"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// planFile is one lake file a load copies (all of it, or row ranges).
type planFile struct {
	lakeFile
	stage       driver.StageFile
	fingerprint string
	// newLeaves are the leaves whose rows this load adds (ledger rows).
	newLeaves []segment
	// maxBytes is the file's maximum byte length per string column
	// (parquetfile.KeyMaxBytes), nil when the file does not say.
	maxBytes map[string]int
}

// plan is what one load does.
type plan struct {
	files []planFile
	// covered are compacted files whose leaves were all loaded before:
	// nothing to copy, but the ledger learns them so the next load need
	// not follow their lineage again.
	covered []lakeFile
	skipped int
	// partitions cleared by a replace, by path.
	partitions map[string][][2]string
	schema     schema.Schema
}

func (p *plan) rows() (n int64) {
	for _, f := range p.files {
		n += f.stage.SelectedRows()
	}
	return n
}

func (p *plan) bytes() (n int64) {
	for _, f := range p.files {
		n += f.Size
	}
	return n
}

// pending is a live file a plan may load: its lineage and, per leaf,
// whether the leaf is not loaded yet.
type pending struct {
	f      lakeFile
	leaves []segment
	missed []bool
}

// makePlan subtracts what the ledger covers from the live files. full
// loads every file whole (reprocess); replace reloads whole partitions.
func makePlan(ctx context.Context, lt lakeTable, files []lakeFile, cov coverage, mode string, full bool) (*plan, error) {
	p := &plan{partitions: map[string][][2]string{}}
	todo, unchanged, err := p.subtract(ctx, lt, files, cov, full)
	if err != nil {
		return nil, err
	}
	if mode == ModeReplace && !full {
		if todo, err = p.replaceWhole(ctx, lt, todo, unchanged); err != nil {
			return nil, err
		}
	}
	footers, err := lt.footers(ctx, len(todo), func(i int) lakeFile { return todo[i].f })
	if err != nil {
		return nil, err
	}
	for i, t := range todo {
		pf, err := planned(t, i, footers[i])
		if err != nil {
			return nil, err
		}
		p.files = append(p.files, pf)
	}
	if err := p.chooseSchema(); err != nil {
		return nil, &RebuildError{Table: lt.tbl.Name(), Err: err}
	}
	if err := p.addFolderColumns(lt.folder); err != nil {
		return nil, err
	}
	return p, nil
}

// subtract splits files into those with leaves to load (todo) and those
// the ledger covers (unchanged); covered compacted files are noted.
func (p *plan) subtract(ctx context.Context, lt lakeTable, files []lakeFile, cov coverage, full bool) (todo, unchanged []pending, err error) {
	var lineage []lakeFile
	for _, f := range files {
		if full || !cov.files[f.Key] {
			lineage = append(lineage, f)
		}
	}
	lt.readCommits(ctx, lineage)
	for _, f := range files {
		if !full && cov.files[f.Key] {
			unchanged = append(unchanged, pending{f: f})
			p.skipped++
			continue
		}
		segs, err := lt.Lineage(ctx, f)
		if err != nil {
			return nil, nil, err // table.Lineage names the file
		}
		missed := make([]bool, len(segs))
		anyMissed := false
		for i, s := range segs {
			missed[i] = full || !cov.leaves[s.File]
			anyMissed = anyMissed || missed[i]
		}
		if !anyMissed {
			p.covered = append(p.covered, f)
			unchanged = append(unchanged, pending{f: f, leaves: segs})
			p.skipped++
			continue
		}
		todo = append(todo, pending{f: f, leaves: segs, missed: missed})
	}
	return todo, unchanged, nil
}

// replaceWhole adds to todo every unchanged file of a partition that a
// replace clears: it is reloaded whole.
func (p *plan) replaceWhole(ctx context.Context, lt lakeTable, todo, unchanged []pending) ([]pending, error) {
	for _, t := range todo {
		p.partitions[t.f.Partition] = t.f.PartKV
	}
	var lineage []lakeFile
	for _, u := range unchanged {
		if _, ok := p.partitions[u.f.Partition]; ok && u.leaves == nil {
			lineage = append(lineage, u.f)
		}
	}
	lt.readCommits(ctx, lineage)
	for _, u := range unchanged {
		if _, ok := p.partitions[u.f.Partition]; !ok {
			continue
		}
		segs := u.leaves
		if segs == nil {
			var err error
			if segs, err = lt.Lineage(ctx, u.f); err != nil {
				return nil, err // table.Lineage names the file
			}
		}
		missed := make([]bool, len(segs))
		for i := range missed {
			missed[i] = true
		}
		todo = append(todo, pending{f: u.f, leaves: segs, missed: missed})
		p.skipped--
	}
	p.covered = nil
	return todo, nil
}

// planned says, from t's footer, which of its rows the load copies: all
// of them, or the row ranges of the leaves not loaded yet.
func planned(t pending, ordinal int, ft fileFooter) (planFile, error) {
	s, rows, maxBytes := ft.schema, ft.rows, ft.maxBytes
	pf := planFile{lakeFile: t.f, fingerprint: s.Fingerprint(), maxBytes: maxBytes}
	pf.stage = driver.StageFile{Key: t.f.Key, Size: t.f.Size, Rows: rows, Schema: s, Ordinal: ordinal}
	if len(t.leaves) == 1 && t.leaves[0].File == t.f.Key {
		pf.newLeaves = []segment{{File: t.f.Key, Rows: rows}}
		return pf, nil
	}
	var off int64
	all := true
	for j, seg := range t.leaves {
		if t.missed[j] {
			pf.newLeaves = append(pf.newLeaves, seg)
			addRange(&pf.stage.Ranges, off, off+seg.Rows)
		} else {
			all = false
		}
		off += seg.Rows
	}
	if off != rows {
		return planFile{}, fmt.Errorf("lineage of %s says %d rows, its footer %d: the commit log and the file disagree", t.f.Key, off, rows)
	}
	if all {
		pf.stage.Ranges = nil
	}
	return pf, nil
}

func addRange(rs *[]driver.RowRange, start, end int64) {
	if n := len(*rs); n > 0 && (*rs)[n-1].End == start {
		(*rs)[n-1].End = end
		return
	}
	*rs = append(*rs, driver.RowRange{Start: start, End: end})
}

// chooseSchema takes the newest file's schema (file names start with the
// time-ordered transaction id) as the lake schema and checks that every
// other file is compatible with it.
func (p *plan) chooseSchema() error {
	if len(p.files) == 0 {
		return nil
	}
	newest := 0
	for i, f := range p.files {
		if path.Base(f.Key) > path.Base(p.files[newest].Key) {
			newest = i
		}
	}
	err := p.fitsSchemaOf(newest)
	if err == nil {
		return nil
	}
	// Other tools' file names (part-00000-<uuid>, data_0) say nothing of
	// age: take the schema of another file that every file fits, if any.
	for i, f := range p.files {
		if f.fingerprint != p.files[newest].fingerprint && p.fitsSchemaOf(i) == nil {
			return nil
		}
	}
	p.schema = p.files[newest].stage.Schema
	return err
}

// fitsSchemaOf makes file i's schema the lake schema when every other
// file is compatible with it.
func (p *plan) fitsSchemaOf(i int) error {
	s := p.files[i].stage.Schema
	for _, f := range p.files {
		if f.fingerprint == p.files[i].fingerprint {
			continue
		}
		for _, c := range catalog.Compare(f.stage.Schema, s) {
			if c.Breaking {
				return fmt.Errorf("lake file %s and the newer %s have incompatible schemas (%s)", f.Key, p.files[i].Key, c)
			}
		}
	}
	p.schema = s
	return nil
}

package compact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// compactPartition plans and (unless DryRun) compacts one partition in one
// transaction. It returns nil when there is nothing to gain. Unreadable or
// incompatible files are appended to res.Problems and left in place.
func compactPartition(ctx context.Context, tbl *table.Table, p partitionFiles, opts Options, res *partitionProblems) (*PartitionResult, error) {
	if len(p.files) < 2 {
		return nil, nil
	}
	inputs, problems, err := readFooters(ctx, tbl, p.files, opts.cache)
	if err != nil {
		return nil, err
	}
	all := inputs
	defer func() {
		for _, in := range all {
			opts.cache.release(in)
		}
	}()
	res.Problems = append(res.Problems, problems...)
	union, inputs, problems := unifyInputs(inputs)
	res.Problems = append(res.Problems, problems...)
	limit := opts.TargetFileBytes
	if len(opts.SortBy) > 0 {
		limit = min(limit, SortMemoryBytes)
		for _, c := range opts.SortBy {
			if len(inputs) > 0 && union.Index(c) < 0 {
				return nil, fmt.Errorf("compact partition %q of %s: sort column %q is not a column of the table (columns: %v)", p.name, tbl.Name(), c, union.Names())
			}
		}
	}
	groups := groupInputs(inputs, limit)
	if len(groups) == 0 {
		opts.Logger.Debug("partition already compact", "table", tbl.Name(), "partition", p.name)
		return nil, nil
	}
	pr := &PartitionResult{Partition: p.name, Inputs: []string{}, Sorted: len(opts.SortBy) > 0}
	if opts.DryRun {
		for _, g := range groups {
			pr.Files++
			for _, in := range g {
				pr.add(in)
				pr.Bytes += in.Size // estimate: same codec, same values
			}
		}
		return pr, nil
	}
	return rewritePartition(ctx, tbl, union, groups, pr, opts, res)
}

// rewritePartition writes the groups' outputs in one transaction and
// commits it.
func rewritePartition(ctx context.Context, tbl *table.Table, union schema.Schema, groups [][]*inputFile, pr *PartitionResult, opts Options, res *partitionProblems) (*PartitionResult, error) {
	tx, err := tbl.Begin(ctx, table.TxOptions{Op: table.OpCompact, Job: LockName(tbl.Name()), StaleAfter: opts.LockStaleAfter, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Abort(ctx) }()
	pr.TxID = tx.ID()
	opts.stage("begun")
	tx.SetSchema(union)
	if err := writeGroups(ctx, tbl, tx, union, groups, pr, opts, res); err != nil {
		return nil, err
	}
	if res.written != nil {
		res.written()
	}
	if pr.Files == 0 {
		return nil, nil
	}
	if err := opts.probe.check(ctx, tbl, tx.ID()); err != nil {
		return nil, err
	}
	opts.stage("before-commit")
	if _, err := tx.Commit(ctx); err != nil {
		if errors.Is(err, table.ErrConflict) {
			return nil, fmt.Errorf("compact partition %q of %s: another run changed the partition's files meanwhile; nothing was changed, run compaction again: %w", pr.Partition, tbl.Name(), err)
		}
		return nil, fmt.Errorf("compact partition %q of %s: %w", pr.Partition, tbl.Name(), err)
	}
	opts.stage("committed")
	log := opts.Logger.With("table", tbl.Name(), "partition", pr.Partition)
	if pr.Sorted {
		log.Warn("outputs sorted: their lineage segments are not contiguous row ranges", "outputs", pr.Outputs)
	}
	log.Info("partition compacted", "input_files", pr.InputFiles, "files", pr.Files, "rows", pr.Rows, "txid", pr.TxID)
	return pr, nil
}

// writeGroups stages one output per group and lists it in tx. An input
// that cannot be read is reported in res, left in place, and its group
// written again without it.
func writeGroups(ctx context.Context, tbl *table.Table, tx *table.Tx, union schema.Schema, groups [][]*inputFile, pr *PartitionResult, opts Options, res *partitionProblems) error {
	for len(groups) > 0 {
		g := groups[0]
		groups = groups[1:]
		key := tx.NewFileKey(pr.Partition)
		out, err := writeOutput(ctx, tbl.Store(), tx.StagingKey(key), union, g, opts.Codec, opts.SortBy, opts.Progress.Add)
		for _, in := range g {
			opts.cache.release(in)
		}
		if bad, ok := errors.AsType[*badInputError](err); ok {
			opts.Logger.Warn("input file unreadable; left in place", "table", tbl.Name(), "partition", pr.Partition, "file", bad.key, "err", bad.err)
			res.Problems = append(res.Problems, fmt.Sprintf("%s: %v", bad.key, bad.err))
			_ = tbl.Store().Delete(context.WithoutCancel(ctx), tx.StagingKey(key))
			rest := make([]*inputFile, 0, len(g))
			for _, in := range g {
				if in.Key != bad.key {
					rest = append(rest, in)
				}
			}
			if len(rest) >= 2 {
				groups = append([][]*inputFile{rest}, groups...)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("compact partition %q of %s: %w", pr.Partition, tbl.Name(), err)
		}
		if err := addOutput(ctx, tx, key, pr.Partition, union, g, out); err != nil {
			return err
		}
		for _, in := range g {
			pr.add(in)
		}
		pr.Files++
		pr.Bytes += out.bytes
		pr.Outputs = append(pr.Outputs, key)
		opts.stage("staged")
	}
	return nil
}

func (pr *PartitionResult) add(in *inputFile) {
	pr.Inputs = append(pr.Inputs, in.Key)
	pr.InputFiles++
	pr.InputBytes += in.Size
	pr.Rows += in.rows
}

// addOutput lists the output in the transaction with one lineage segment
// per input, in order (AddFile flattens those that are compaction outputs
// to their leaves), and the inputs as removed.
func addOutput(ctx context.Context, tx *table.Tx, key, partition string, union schema.Schema, inputs []*inputFile, out output) error {
	var rows int64
	segs := make([]table.Segment, len(inputs))
	for i, in := range inputs {
		segs[i] = table.Segment{File: in.Key, Rows: in.rows}
		rows += in.rows
	}
	if rows != out.rows {
		return fmt.Errorf("compact %s: wrote %d rows, the inputs hold %d", key, out.rows, rows)
	}
	err := tx.AddFile(ctx, table.FileEntry{Key: key, Size: out.bytes, Rows: out.rows, Partition: partition,
		SchemaFingerprint: union.Fingerprint(), Lineage: segs, MaxBytes: out.maxBytes})
	if err != nil {
		return err
	}
	for _, in := range inputs {
		if err := tx.RemoveFile(in.Key); err != nil {
			return err
		}
	}
	return nil
}

// unifyInputs computes the union schema of the inputs, starting from the
// newest file's (the last in key order: lakectl's file names sort by
// transaction time) and adding the others in order. Files whose schema
// does not unify are returned as problems.
func unifyInputs(inputs []*inputFile) (schema.Schema, []*inputFile, []string) {
	if len(inputs) == 0 {
		return schema.Schema{}, nil, nil
	}
	union := inputs[len(inputs)-1].schema
	var ok []*inputFile
	var problems []string
	for _, in := range inputs {
		u, err := unionSchema(union, in.schema)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: schema incompatible with the partition's other files: %v", in.Key, err))
			continue
		}
		union = u
		ok = append(ok, in)
	}
	return union, ok, problems
}

// deleteProbe checks, before the run's first commit, that this run may
// create and delete objects in the table's folder: a commit whose inputs
// cannot be deleted would show their rows twice until a run with the
// right permissions finishes it. It is sent once per run, not once per
// partition (a PUT and a DELETE each: on S3 that was 2 of every
// partition's 5 own requests), since a lake's credentials grant the
// table's folder as a whole. The probe's name starts with '_', which
// listings of live files and query engines skip.
type deleteProbe struct {
	once sync.Once
	err  error
}

func (p *deleteProbe) check(ctx context.Context, tbl *table.Table, txid string) error {
	if p == nil {
		return nil
	}
	p.once.Do(func() { p.err = probeDelete(ctx, tbl, txid) })
	return p.err
}

func probeDelete(ctx context.Context, tbl *table.Table, txid string) error {
	key := lake.Join(tbl.Prefix(), "_lakectl-probe-"+txid)
	where := tbl.Store().URL(tbl.Prefix())
	if _, err := tbl.Store().Put(ctx, key, bytes.NewReader(nil), 0, lake.PutOptions{}); err != nil {
		return fmt.Errorf("compact %s: cannot write in %s (check write and delete permissions on the lake): %w", tbl.Name(), where, err)
	}
	if err := tbl.Store().Delete(ctx, key); err != nil {
		return fmt.Errorf("compact %s: cannot delete files in %s, so compacted inputs could not be removed (grant delete permission on the lake); nothing was changed: %w", tbl.Name(), where, err)
	}
	return nil
}

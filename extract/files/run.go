package files

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// run is one Extract.
type run struct {
	opts      Options
	store     lake.Store // the lake
	src       lake.Store // the landed objects
	job       string
	lock      *table.Lock
	committed jobState // the state of the last commit; replaced, never changed in place
	res       *Result
	batches   map[string]*batch // open transactions by table
	failed    []string          // keys left un-ingested this run
	rule      table.PartitionRule
	layouts   sync.Map // table -> *records.Layout of its open batch, for the fetchers
	sawOld    bool     // the listing sought past ingested hour folders (set by the lister)
}

// What the listing found for a key.
const (
	kindNew = iota
	kindDone
	kindChanged
	kindUnmatched
	kindEmpty
	kindOld   // modified before Since
	kindRoute // its route gives no valid table
)

// item is one listed object, in key order, with its download when it is
// to be ingested.
type item struct {
	info    lake.ObjectInfo
	kind    int
	table   string
	err     error // kindRoute
	changed bool  // ingested before with another ETag
	done    chan fetched
}

// ingest lists the source, downloads and decodes the new objects
// (Concurrency at once) and writes them in key order.
func (r *run) ingest(ctx context.Context) error {
	rule, err := table.ParsePartitionRule(r.opts.PartitionBy)
	if err != nil {
		return err
	}
	if !rule.IsZero() && !reserved(rule.Column) {
		rule.Column = records.ColumnName(rule.Column)
	}
	r.rule = rule
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	items := make(chan *item, 4*r.opts.Concurrency)
	var listErr error
	var workers sync.WaitGroup
	st := r.committed // the lister's view; commits replace r.committed meanwhile
	go func() {
		defer close(items)
		sem := make(chan struct{}, r.opts.Concurrency)
		listErr = r.list(lctx, st, func(it *item) error {
			if it.kind == kindNew {
				it.done = make(chan fetched, 1)
				select {
				case sem <- struct{}{}:
				case <-lctx.Done():
					return lctx.Err()
				}
				workers.Go(func() {
					// The slot bounds the downloads only: the next one
					// starts while this object is decoded.
					body, err := r.get(lctx, it.info)
					<-sem
					it.done <- r.fetch(it.info, it.table, body, err)
				})
			}
			select {
			case items <- it:
				return nil
			case <-lctx.Done():
				return lctx.Err()
			}
		})
	}()
	err = r.consume(ctx, items)
	stop()
	for range items { // drain: the lister stops at the cancelled context
	}
	workers.Wait()
	if err == nil && listErr != nil {
		err = listErr
	}
	if err != nil {
		r.abortAll(ctx)
		return err
	}
	if r.res.Listed == 0 && !r.sawOld && len(r.committed.Objects) == 0 && len(r.committed.Horizons) == 0 {
		// A job that never ingested anything finds nothing: most likely a
		// wrong URL. Later, an empty prefix (a lifecycle rule expired the
		// objects) is just nothing new.
		return fmt.Errorf("%s: %w; check the URL and that objects have landed", r.src.URL(""), ErrNoObjects)
	}
	return r.commitAll(ctx)
}

// consume takes the listed objects in key order.
func (r *run) consume(ctx context.Context, items <-chan *item) error {
	for it := range items {
		r.res.Listed++
		key := it.info.Key
		switch it.kind {
		case kindUnmatched:
			r.res.Unmatched++
			if len(r.res.UnmatchedKeys) < MaxListed {
				r.res.UnmatchedKeys = append(r.res.UnmatchedKeys, key)
			}
			continue
		case kindChanged:
			r.listChanged(key)
			continue
		case kindEmpty:
			r.listEmpty(key)
			continue
		case kindRoute:
			r.fail(ObjectIssue{Key: key, Reason: it.err.Error()})
			continue
		case kindDone, kindOld:
			continue
		}
		if it.changed {
			r.listChanged(key)
			r.res.Reingested++
		}
		var f fetched
		select {
		case f = <-it.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := r.add(ctx, it, f); err != nil {
			return err
		}
		select {
		case <-r.lock.Lost():
			return fmt.Errorf("lost the lock of job %s; stopping", r.opts.Job)
		default:
		}
	}
	return ctx.Err()
}

func (r *run) listChanged(key string) {
	if len(r.res.Changed) < MaxListed {
		r.res.Changed = append(r.res.Changed, key)
	}
}

func (r *run) listEmpty(key string) {
	if len(r.res.Empty) < MaxListed {
		r.res.Empty = append(r.res.Empty, key)
	}
}

func (r *run) fail(o ObjectIssue) {
	r.failed = append(r.failed, o.Key)
	r.res.Failed = append(r.res.Failed, o)
}

// add writes one downloaded object into its table's open transaction.
func (r *run) add(ctx context.Context, it *item, f fetched) error {
	key := it.info.Key
	if f.err != nil {
		return f.err // the source failed (denied, gone, network): stop
	}
	for _, b := range f.bad {
		r.res.problem(key, b)
	}
	if len(f.bad) > 0 && (!r.opts.SkipBadRecords || f.fatal) {
		r.fail(ObjectIssue{Key: key, Line: f.bad[0].Line, Reason: f.bad[0].Reason})
		return nil
	}
	r.res.SkippedRecords += len(f.bad)
	r.res.InBytes += it.info.Size
	if len(f.recs) == 0 && len(f.bad) == 0 {
		r.listEmpty(key)
		return nil
	}
	b, err := r.batch(ctx, it.table, f.inf)
	if err != nil {
		return err
	}
	if err := b.write(ctx, key, &f, r.reservedValues(key)); err != nil {
		return err
	}
	b.objects[key] = ingested{Size: it.info.Size, ETag: it.info.ETag}
	r.res.Objects++
	r.res.Records += int64(len(f.recs))
	if len(b.objects) >= r.opts.BatchObjects {
		return r.commit(ctx, b)
	}
	return nil
}

// reservedValues are the values of _source_key and _ingested_at.
func (r *run) reservedValues(key string) []schema.Value {
	return []schema.Value{schema.StringValue(key), schema.TimestampValue(r.res.IngestedAt)}
}

// reservedColumns follow the data columns of every table.
var reservedColumns = []schema.Column{
	{Name: "_source_key", Type: schema.TString},
	{Name: "_ingested_at", Type: schema.TTimestamp},
}

func reserved(col string) bool {
	for _, c := range reservedColumns {
		if c.Name == col {
			return true
		}
	}
	return false
}

// commitAll commits the open transactions, in the order they began.
func (r *run) commitAll(ctx context.Context) error {
	var last *batch
	for _, b := range r.batches {
		if last == nil || b.tx.ID() > last.tx.ID() {
			last = b
		}
	}
	if last == nil {
		return nil
	}
	if err := r.commit(ctx, last); err != nil { // the others first
		r.abortAll(ctx)
		return err
	}
	return nil
}

func (r *run) abortAll(ctx context.Context) {
	for n, b := range r.batches {
		b.abort(ctx)
		delete(r.batches, n)
	}
}

// fetched is a downloaded, decoded object, with its rows when the
// fetcher could convert them with its table's layout.
type fetched struct {
	decoded
	inf  *records.Inference
	lay  *records.Layout
	rows []schema.Row
	err  error
}

// fetch decodes one downloaded object (err: its download failed), infers
// its records' types and converts them when the table's open layout
// holds them (so conversion runs in the fetchers, not in the one
// goroutine that writes).
func (r *run) fetch(info lake.ObjectInfo, tbl string, body []byte, err error) fetched {
	if err != nil {
		return fetched{err: err}
	}
	f := r.decodeObject(info, body)
	if len(f.bad) > 0 && (!r.opts.SkipBadRecords || f.fatal) {
		return f
	}
	if v, ok := r.layouts.Load(tbl); ok {
		lay := v.(*records.Layout)
		if lay.Holds(f.inf) {
			if rows, err := convert(lay, info.Key, f.recs, r.reservedValues(info.Key)); err == nil {
				f.lay, f.rows = lay, rows
			}
		}
	}
	return f
}

// get reads one object's bytes.
func (r *run) get(ctx context.Context, info lake.ObjectInfo) ([]byte, error) {
	rc, err := r.src.Get(ctx, info.Key)
	if err != nil {
		return nil, fmt.Errorf("read landed object: %w", err)
	}
	body, err := readAll(rc, int(min(info.Size, 1<<30))) // the listed size, read in one buffer
	rc.Close()
	if err != nil {
		return nil, fmt.Errorf("read landed object %s: %w", r.src.URL(info.Key), err)
	}
	return body, nil
}

// decodeObject decodes one object's bytes and infers its records' types.
func (r *run) decodeObject(info lake.ObjectInfo, body []byte) fetched {
	b, err := uncompress(info.Key, body)
	if err != nil {
		return fetched{decoded: decoded{bad: []BadRecord{{Line: 0, Reason: err.Error()}}, fatal: true}}
	}
	f := fetched{decoded: decode(formatOf(r.opts.Format, info.Key, b), b), inf: records.NewInference()}
	f.checkRequired(r.opts.Key, r.opts.Cursor)
	for _, rec := range f.recs {
		f.inf.Observe(rec)
	}
	if r.rule.Unit != table.UnitValue && !r.rule.IsZero() {
		delete(f.inf.Types, r.rule.Column) // a timestamp whatever the text
	}
	return f
}

// checkRequired moves the records without a key or cursor value to bad.
func (f *fetched) checkRequired(key []string, cursor string) {
	fields := append(append([]string(nil), key...), cursor)
	if len(key) == 0 && cursor == "" {
		return
	}
	keep := f.recs[:0]
	lines := f.lines[:0]
	for i, rec := range f.recs {
		missing := ""
		for _, k := range fields {
			if k != "" && rec[k] == nil {
				missing = k
				break
			}
		}
		if missing != "" {
			f.bad = append(f.bad, BadRecord{Line: f.lines[i], Reason: fmt.Sprintf("field %s is missing or null", missing)})
			continue
		}
		keep, lines = append(keep, rec), append(lines, f.lines[i])
	}
	f.recs, f.lines = keep, lines
	sort.SliceStable(f.bad, func(i, j int) bool { return f.bad[i].Line < f.bad[j].Line })
}

var errSeek = errors.New("seek")

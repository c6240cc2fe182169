package compact

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/lake/table"
)

// footerReaders bounds the footers read at once while planning.
const footerReaders = 16

// partitionFiles is one partition's small files, in key order.
type partitionFiles struct {
	name  string
	files []table.File
}

// inputFile is a small file that passed planning: its footer read, its
// schema unified with the partition's.
type inputFile struct {
	table.File
	rows   int64
	schema schema.Schema
	data   []byte        // the whole file when planning kept it (fileCache)
	pf     *parquet.File // data opened, when planning kept it
}

// filter is a parsed Options.Partitions value: folders "k=v" the partition must have.
type filter struct {
	raw     string
	folders []string // each "k=v", value percent-escaped as the lake writes it
}

func parseFilter(s string) (filter, error) {
	f := filter{raw: s}
	for seg := range strings.SplitSeq(strings.Trim(s, "/"), "/") {
		k, v, ok := strings.Cut(seg, "=")
		if !ok || k == "" || v == "" {
			return filter{}, input.Errorf("invalid partition %q: want KEY=VALUE, or KEY=VALUE/KEY2=VALUE2 for nested partitions", s)
		}
		f.folders = append(f.folders, k+"="+v)
	}
	return f, nil
}

// matches reports whether the partition folder path has every folder of f.
// A value matches as written, percent-escaped, or percent-unescaped.
func (f filter) matches(partition string) bool {
	have := strings.Split(partition, "/")
	for _, want := range f.folders {
		k, v, _ := strings.Cut(want, "=")
		found := false
		for _, h := range have {
			hk, hv, _ := strings.Cut(h, "=")
			if !strings.EqualFold(hk, k) {
				continue
			}
			if hv == v || hv == table.EscapePartitionValue(v) {
				found = true
				break
			}
			if u, err := url.PathUnescape(hv); err == nil && u == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// listSmallFiles lists the table's live files once and keeps the small
// files of the selected partitions. Only small files are held in memory.
// An unknown table or a filter matching no partition is a usage error.
func listSmallFiles(ctx context.Context, tbl *table.Table, opts Options) ([]partitionFiles, error) {
	filters := make([]filter, len(opts.Partitions))
	for i, p := range opts.Partitions {
		filters[i], _ = parseFilter(p) // validated
	}
	matched := make([]bool, len(filters))
	var (
		any      bool
		examples []string // a few partition names for the unknown-partition message
		last     string
		byPart   = map[string][]table.File{}
	)
	err := tbl.Files(ctx, func(f table.File) error {
		any = true
		if f.Partition != last || len(examples) == 0 {
			if len(examples) < 5 && !contains(examples, f.Partition) {
				examples = append(examples, f.Partition)
			}
			last = f.Partition
		}
		selected := len(filters) == 0
		for i, flt := range filters {
			if flt.matches(f.Partition) {
				matched[i], selected = true, true
			}
		}
		if selected && f.Size < opts.SmallFileBytes {
			byPart[f.Partition] = append(byPart[f.Partition], f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !any {
		known, err := hasCommits(ctx, tbl)
		if err != nil {
			return nil, err
		}
		if !known {
			return nil, input.Errorf("table %q has no files in the lake: %w", opts.Table, ErrUnknownTable)
		}
	}
	for i, ok := range matched {
		if !ok {
			return nil, input.Wrap(&NoPartitionError{Table: opts.Table, Partition: filters[i].raw, Examples: examples})
		}
	}
	out := make([]partitionFiles, 0, len(byPart))
	for name, files := range byPart {
		sort.Slice(files, func(i, j int) bool { return files[i].Key < files[j].Key })
		out = append(out, partitionFiles{name: name, files: files})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var errStop = errors.New("stop")

// hasCommits reports whether the table has any commit record: a table
// whose files were all removed still exists.
func hasCommits(ctx context.Context, tbl *table.Table) (bool, error) {
	found := false
	err := tbl.Commits(ctx, func(*table.CommitRecord) error {
		found = true
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		return false, fmt.Errorf("list commits of table %s: %w", tbl.Name(), err)
	}
	return found, nil
}

// readFooters reads the small files' footers in parallel. Files whose
// footer cannot be read are returned as problems ("key: reason"), not as
// an error; an error is a failure of the store or the context.
func readFooters(ctx context.Context, tbl *table.Table, files []table.File, cache *fileCache) ([]*inputFile, []string, error) {
	out := make([]*inputFile, len(files))
	problems := make([]string, len(files))
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(footerReaders)
	for i, f := range files {
		g.Go(func() error {
			ft, data, pf, err := cache.readFooter(gctx, tbl.Store(), f.Key, f.Size)
			if err != nil {
				corrupt, serr := fileAtFault(gctx, tbl, f.Key, err)
				if serr != nil {
					return serr
				}
				if corrupt {
					mu.Lock()
					problems[i] = fmt.Sprintf("%s: unreadable Parquet footer: %v", f.Key, err)
					mu.Unlock()
				}
				return nil // gone since the listing: no longer live, nothing to do
			}
			out[i] = &inputFile{File: f, rows: ft.Rows, schema: ft.Schema, data: data, pf: pf}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	var good []*inputFile
	var bad []string
	for i := range files {
		if out[i] != nil {
			good = append(good, out[i])
		} else if problems[i] != "" {
			bad = append(bad, problems[i])
		}
	}
	return good, bad, nil
}

// fileAtFault tells a bad file from a failing store after reading it
// failed with readErr: the file is at fault when the store still answers
// for it (Stat succeeds). A file deleted since the listing is neither
// (false, nil); a failing store or context is returned as the error.
func fileAtFault(ctx context.Context, tbl *table.Table, key string, readErr error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if errors.Is(readErr, parquetfile.ErrNotParquet) {
		return true, nil
	}
	if _, err := tbl.Store().Stat(ctx, key); err != nil {
		if errors.Is(err, lake.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("read %s: %w (and stat: %v)", key, readErr, err)
	}
	return true, nil
}

// groupInputs cuts the inputs, in key order, into runs whose input bytes
// stay within limit; each run becomes one output. Runs of one file are
// dropped: rewriting a file alone gains nothing.
func groupInputs(files []*inputFile, limit int64) [][]*inputFile {
	var groups [][]*inputFile
	var cur []*inputFile
	var bytes int64
	flush := func() {
		if len(cur) >= 2 {
			groups = append(groups, cur)
		}
		cur, bytes = nil, 0
	}
	for _, f := range files {
		if len(cur) > 0 && bytes+f.Size > limit {
			flush()
		}
		cur = append(cur, f)
		bytes += f.Size
	}
	flush()
	return groups
}

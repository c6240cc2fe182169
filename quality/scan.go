package quality

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the database/sql driver "duckdb"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// Views the rules query.
const (
	viewNew = "lakectl_new_rows"
	viewAll = "lakectl_all_rows"
)

// scanner is an in-memory DuckDB over one table's Parquet files. DuckDB
// reads a local lake's files where they are; an S3 lake's files are
// downloaded to a temporary folder first, under their own keys so the
// Hive partition folders still name the partition columns (this build of
// DuckDB has no S3 access).
type scanner struct {
	db      *sql.DB
	tbl     *table.Table
	tmp     string
	files   []newFile
	newDone bool
	hasNew  bool
	allDone bool
	hasAll  bool
	// folderTypes: folder key -> DuckDB type (Options.FolderTypes).
	folderTypes map[string]string
	downloaded  map[string]bool // keys of an S3 lake already in tmp
}

// openScanner opens the database, spilling to a temporary folder rather
// than failing when a first check of a big table outgrows memory; files
// are read (and, from S3, downloaded) only when a rule first needs them.
func openScanner(ctx context.Context, tbl *table.Table, files []newFile) (*scanner, error) {
	tmp, err := os.MkdirTemp("", "lakectl-check-")
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &scanner{db: db, tbl: tbl, files: files, tmp: tmp, downloaded: map[string]bool{}}
	q := fmt.Sprintf("SET temp_directory = %s; SET preserve_insertion_order = false", quoteLit(filepath.Join(tmp, "duckdb")))
	if _, err := db.ExecContext(ctx, q); err != nil {
		s.Close()
		return nil, fmt.Errorf("open duckdb: %w", err)
	}
	return s, nil
}

// news makes the view of the new rows, on first use; false when no file
// is new.
func (s *scanner) news(ctx context.Context) (bool, error) {
	if s.newDone {
		return s.hasNew, nil
	}
	s.newDone = true
	if len(s.files) == 0 {
		return false, nil
	}
	keys := make([]string, len(s.files))
	for i, f := range s.files {
		keys[i] = f.Key
	}
	paths, err := s.locals(ctx, keys)
	if err != nil {
		return false, err
	}
	s.hasNew = true
	return true, s.view(ctx, viewNew, paths)
}

// locals returns paths DuckDB can read for lake files, in order: a local
// lake's own, or for an S3 lake downloads, downloads at a time, each key
// once per scanner (the new rows' files are among all rows' files).
func (s *scanner) locals(ctx context.Context, keys []string) ([]string, error) {
	store := s.tbl.Store()
	paths := make([]string, len(keys))
	if lp, ok := lake.As[lake.LocalPather](store); ok {
		for i, k := range keys {
			paths[i] = lp.LocalPath(k)
		}
		return paths, nil
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(downloads)
	for i, k := range keys {
		paths[i] = filepath.Join(s.tmp, "lake", filepath.FromSlash(k))
		if s.downloaded[k] {
			continue
		}
		g.Go(func() error {
			if err := download(gctx, store, k, paths[i]); err != nil {
				return fmt.Errorf("download lake file %s: %w", k, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, k := range keys {
		s.downloaded[k] = true
	}
	return paths, nil
}

// downloads is how many lake files a check downloads at once from S3.
const downloads = 16

func download(ctx context.Context, store lake.Store, key, p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	r, err := store.Get(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (s *scanner) view(ctx context.Context, name string, paths []string) error {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = quoteLit(p)
	}
	q := fmt.Sprintf("CREATE OR REPLACE VIEW %s AS SELECT * FROM read_parquet([%s], hive_partitioning = true, union_by_name = true%s)",
		name, strings.Join(quoted, ", "), hiveTypes(s.folderTypes, paths))
	if _, err := s.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("read the files of table %s: %w", s.tbl.Name(), err)
	}
	return nil
}

// all makes the view of every live row, on first use; false when the table
// has no live file.
func (s *scanner) all(ctx context.Context) (bool, error) {
	if s.allDone {
		return s.hasAll, nil
	}
	s.allDone = true
	var keys []string
	err := s.tbl.Files(ctx, func(f table.File) error {
		keys = append(keys, f.Key)
		return nil
	})
	if err != nil || len(keys) == 0 {
		return false, err
	}
	paths, err := s.locals(ctx, keys)
	if err != nil {
		return false, err
	}
	s.hasAll = true
	return true, s.view(ctx, viewAll, paths)
}

// Close drops the database and any downloaded file.
func (s *scanner) Close() {
	_ = s.db.Close()
	_ = os.RemoveAll(s.tmp)
}

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// hiveTypes is read_parquet's hive_types option for the declared folder
// keys that the paths use (DuckDB refuses a key no path has), or "".
func hiveTypes(types map[string]string, paths []string) string {
	var parts []string
	for k, t := range types {
		if slices.ContainsFunc(paths, func(p string) bool { return strings.Contains(filepath.ToSlash(p), "/"+k+"=") }) {
			parts = append(parts, quoteLit(k)+": "+quoteLit(t))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	sort.Strings(parts)
	return ", hive_types = {" + strings.Join(parts, ", ") + "}"
}

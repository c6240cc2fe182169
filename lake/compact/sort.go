package compact

import (
	"fmt"
	"slices"

	"github.com/parquet-go/parquet-go"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// sorter holds an output's rows to write them sorted by SortBy columns
// (ascending, NULLs first, stable so equal keys keep input order).
type sorter struct {
	cols  []int
	types []parquet.Type
	rows  []schema.Row
}

func newSorter(s schema.Schema, ps *parquet.Schema, sortBy []string) (*sorter, error) {
	st := &sorter{}
	fields := ps.Fields()
	for _, name := range sortBy {
		i := s.Index(name)
		if i < 0 {
			return nil, fmt.Errorf("sort column %q is not a column of the table (columns: %v)", name, s.Names())
		}
		st.cols = append(st.cols, i)
		st.types = append(st.types, fields[i].Type())
	}
	return st, nil
}

// add keeps copies of rows (their byte arrays stay valid: the reader's
// arena is per batch).
func (s *sorter) add(rows []schema.Row) {
	for _, r := range rows {
		s.rows = append(s.rows, slices.Clone(r))
	}
}

func (s *sorter) compare(a, b schema.Row) int {
	for k, c := range s.cols {
		va, vb := a[c], b[c]
		switch {
		case va.IsNull() && vb.IsNull():
			continue
		case va.IsNull():
			return -1
		case vb.IsNull():
			return 1
		}
		if d := s.types[k].Compare(va, vb); d != 0 {
			return d
		}
	}
	return 0
}

func (s *sorter) writeTo(w *parquetfile.Writer) (int64, error) {
	slices.SortStableFunc(s.rows, s.compare)
	n, err := w.Write(s.rows)
	s.rows = nil
	if err != nil {
		return int64(n), fmt.Errorf("write sorted rows: %w", err)
	}
	return int64(n), nil
}

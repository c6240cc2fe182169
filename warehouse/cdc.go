package warehouse

import (
	"github.com/lakectl/lakectl/lake/schema"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// Columns of a change-data-capture table (written by extract postgres): every
// row is a version of its key, _op says what happened (c, u or d) and
// _lsn orders the versions.
const (
	opColumn  = "_op"
	lsnColumn = "_lsn"
)

// changeColumns makes an upsert of a CDC table apply its deletes: a key
// whose latest version is a delete leaves the target, and without a
// cursor the versions are ordered by _lsn.
func changeColumns(s schema.Schema, st *driver.Statement) {
	op, lsn := s.Index(opColumn), s.Index(lsnColumn)
	if op < 0 || lsn < 0 || s.Columns[op].Type.Kind != schema.String {
		return
	}
	st.OpColumn = driver.QuoteIdent(s.Columns[op].Name)
	if st.Cursor == "" {
		st.Cursor = driver.QuoteIdent(s.Columns[lsn].Name)
	}
}

package e2e

import (
	"context"
	"crypto/md5"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// row is one orders row in engine-neutral form: amounts in cents, the
// cursor in microseconds since the epoch (DATETIME read as UTC).
type row struct {
	id, cents, cursorUS int64
	note                sql.NullString
}

func (r row) content() string {
	n := "NULL"
	if r.note.Valid {
		n = fmt.Sprintf("%q", r.note.String)
	}
	return fmt.Sprintf("%d|%d|%s|%d", r.id, r.cents, n, r.cursorUS)
}

// rowScanner is what *sql.Rows and pgx.Rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

func scanRows(rows rowScanner, each func(row)) error {
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.cents, &r.note, &r.cursorUS); err != nil {
			return err
		}
		each(r)
	}
	return rows.Err()
}

// digest is what a user compares between source and warehouse: row count,
// sum of amounts, an md5 over every column of the rows ordered by id, and
// the rows themselves to name the difference when digests disagree.
type digest struct {
	Rows     int64
	SumCents int64
	MD5      string
	byID     map[int64]string
}

func (d digest) equal(o digest) bool {
	return d.Rows == o.Rows && d.SumCents == o.SumCents && d.MD5 == o.MD5
}

// diff names up to a few ids that differ between d (want) and o (got).
func (d digest) diff(o digest) string {
	var out []string
	ids := make([]int64, 0, len(d.byID)+len(o.byID))
	for id := range d.byID {
		ids = append(ids, id)
	}
	for id := range o.byID {
		if _, ok := d.byID[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		if w, g := d.byID[id], o.byID[id]; w != g {
			out = append(out, fmt.Sprintf("id %d: want %q, got %q", id, w, g))
			if len(out) == 5 {
				break
			}
		}
	}
	return fmt.Sprintf("want rows=%d sum=%d md5=%s; got rows=%d sum=%d md5=%s; %s",
		d.Rows, d.SumCents, d.MD5, o.Rows, o.SumCents, o.MD5, strings.Join(out, "; "))
}

// digestQuery runs a query returning (id, cents, note, cursor_us) ordered
// by id.
func digestQuery(ctx context.Context, db *sql.DB, q string) (digest, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return digest{}, err
	}
	defer rows.Close()
	return digestRows(rows)
}

// digestRows digests (id, cents, note, cursor_us) rows ordered by id.
func digestRows(rows rowScanner) (digest, error) {
	h := md5.New()
	d := digest{byID: map[int64]string{}}
	err := scanRows(rows, func(r row) {
		d.Rows++
		d.SumCents += r.cents
		c := r.content()
		d.byID[r.id] = c
		h.Write([]byte(c + "\n"))
	})
	d.MD5 = hex.EncodeToString(h.Sum(nil))
	return d, err
}

package table

import (
	"context"
	"errors"
	"fmt"

	"github.com/lakectl/lakectl/lake"
)

// ErrNoTable says the lake holds nothing of a table: no live file and no
// commit record. Commands that read a table return it before any work,
// so a mistyped name creates nothing.
var ErrNoTable = errors.New("no such table in the lake")

// errFound stops a listing at its first object.
var errFound = errors.New("found")

// Exists reports whether the table has a live file or a commit record.
func (t *Table) Exists(ctx context.Context) (bool, error) {
	for _, prefix := range []string{t.Prefix(), metaDir(t.name) + "commits/"} {
		err := t.store.List(ctx, prefix, func(lake.ObjectInfo) error { return errFound })
		if errors.Is(err, errFound) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("look for table %s: %w", t.name, err)
		}
	}
	return false, nil
}

// MustExist returns an error wrapping ErrNoTable when the table does not
// exist.
func (t *Table) MustExist(ctx context.Context) error {
	ok, err := t.Exists(ctx)
	if err == nil && !ok {
		err = fmt.Errorf("table %s: %w", t.name, ErrNoTable)
	}
	return err
}

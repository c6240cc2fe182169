package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
)

// noVersion explains a schema version that could not be read: a table the
// lake does not hold, a version number past the last one (both usage
// errors), or a table never crawled.
func noVersion(ctx context.Context, f *Factory, store lake.Store, name string, n int, err error) error {
	if !errors.Is(err, lake.ErrNotExist) {
		return err
	}
	if _, terr := requireTable(ctx, f, store, name); terr != nil {
		return terr
	}
	if n > 0 {
		if latest, lerr := catalog.Latest(ctx, store, name); lerr == nil {
			return input.Errorf("table %s has no schema version %d: its versions are 1 to %d ('lakectl catalog history %s' lists them)", name, n, latest.N, name)
		}
	}
	return notCrawled(name, err)
}

// notCrawled turns "no version" into what the user should do.
func notCrawled(name string, err error) error {
	if errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("table %s has no recorded schema; run 'lakectl catalog crawl %s' first", name, name)
	}
	return err
}

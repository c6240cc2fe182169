package catalog

import (
	"errors"
	"fmt"

	"github.com/lakectl/lakectl/lake"
)

// ErrNothingToCrawl says the lake holds no table with live Parquet files.
// The command layer adds which setting names the lake.
var ErrNothingToCrawl = errors.New("nothing to crawl")

// ErrNeedsRebuild says a change cannot be applied in place: the table
// must be rebuilt (a deep copy). The caller says with what (warehouse
// load names its rebuild plan).
var ErrNeedsRebuild = errors.New("rebuild the table (deep copy)")

// NotCrawledError says a table has no recorded schema version: it was
// never crawled. It is a lake.ErrNotExist.
type NotCrawledError struct{ Table string }

func (e *NotCrawledError) Error() string {
	return fmt.Sprintf("table %s has no recorded schema version", e.Table)
}

// Unwrap makes errors.Is(err, lake.ErrNotExist) hold.
func (e *NotCrawledError) Unwrap() error { return lake.ErrNotExist }

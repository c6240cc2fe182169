package cmd

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// explain adds what to do to errors whose remedy is a setting of the
// command line, which libraries do not know: the timeouts. The exit code
// is unchanged.
func explain(err error) error {
	if te, ok := netx.AsTimeout(err); ok {
		if te.Phase == netx.PhaseConnect {
			return fmt.Errorf("%w; check that the server runs and is reachable, or raise --connect-timeout (LAKECTL_CONNECT_TIMEOUT)", err)
		}
		return fmt.Errorf("%w; check the server, or raise --io-timeout (LAKECTL_IO_TIMEOUT) if it is only slow", err)
	}
	if _, ok := errors.AsType[*netx.LostError](err); ok {
		return fmt.Errorf("%w; check that the server runs, then rerun the same command (raise --io-timeout if it is only slow)", err)
	}
	if errors.Is(err, lake.ErrCorrupt) {
		return fmt.Errorf("%w; run 'lakectl lake doctor --repair' to set it aside and rebuild what it held", err)
	}
	if errors.Is(err, lake.ErrUnreachable) {
		return fmt.Errorf("%w; check the endpoint (--s3-endpoint, AWS_ENDPOINT_URL_S3) and that the server runs", err)
	}
	if errors.Is(err, catalog.ErrNothingToCrawl) {
		return fmt.Errorf("%w (check --lake)", err)
	}
	if nc, ok := errors.AsType[*catalog.NotCrawledError](err); ok {
		return fmt.Errorf("%w; run 'lakectl catalog crawl %s' first", err, nc.Table)
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG) {
		return fmt.Errorf("%w; free space on the disk that holds the lake (or raise its quota or file size limit), then rerun the same command", err)
	}
	if errors.Is(err, driver.ErrUnreachable) {
		return fmt.Errorf("%w; check that the warehouse server runs and the host and port of --warehouse (LAKECTL_WAREHOUSE)", err)
	}
	return err
}

package cmd

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/compact"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/rebuild"
	"github.com/lakectl/lakectl/warehouse/redshift"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// explain adds what to do to errors whose remedy is a setting of the
// command line, which libraries do not know: the timeouts. The exit code
// is unchanged.
func explain(err error) error {
	err = withRemedies(err)
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

// remedy is the command line that continues after a library error that
// ends where a command takes over ("" for other errors).
func remedy(err error) string {
	if err == compact.ErrUnknownTable {
		return " (check the name with `lakectl lake ls`)"
	}
	switch e := err.(type) {
	case *warehouse.RebuildError:
		return fmt.Sprintf(": run `lakectl rebuild plan %s --migration FILE.sql`", e.Table)
	case *rebuild.FindRunError:
		return " (see `lakectl rebuild status`)"
	case *rebuild.AbandonedError:
		return ": start a new one with `lakectl rebuild apply`"
	case *rebuild.UnfinishedError:
		return ": " + rebuildWayOut(e.Run, e.MigrationCorrectable)
	case *rebuild.StoppedError:
		return "; " + rebuildWayOut(e.Run, e.MigrationCorrectable)
	case *rebuild.MigrationFixedError:
		return fmt.Sprintf(": give it up with `lakectl rebuild abandon %s` and apply again", e.Run)
	case *scale.NotRestoredError:
		if e.Killed {
			return "; run `lakectl warehouse scale --restore --wait`"
		}
		return ": run `lakectl warehouse scale --restore`"
	case *scale.UnsettledError:
		if e.TimedOut {
			return ": check it with `lakectl warehouse status` and rerun when it has finished"
		}
		return ": check it with `lakectl warehouse status`"
	case *redshift.PartialCopyError:
		return ": load it with load_method=insert in the warehouse URL, or run `lakectl warehouse reprocess`"
	}
	return ""
}

// rebuildWayOut names the commands that end an unfinished rebuild run.
// After a failed migration that committed nothing, a plain resume would
// rerun the stored SQL, so the corrected-file resume is named too.
func rebuildWayOut(run string, migrationCorrectable bool) string {
	resume := fmt.Sprintf("`lakectl rebuild resume %s`", run)
	if migrationCorrectable {
		resume += fmt.Sprintf(" (after fixing the migration: `lakectl rebuild resume %s --migration FIXED.sql`)", run)
	}
	return fmt.Sprintf("continue with %s, or give it up with `lakectl rebuild abandon %s`", resume, run)
}

// withRemedies puts each remedy right after the text of its error, where
// that error sits in the whole message (as input.Label does for options),
// or at the end when the text was relabelled; errors.Is and errors.As see
// err as before.
func withRemedies(err error) error {
	if err == nil {
		return nil
	}
	msg, found := err.Error(), false
	walkErrors(err, func(e error) {
		t := e.Error()
		if np, ok := e.(*compact.NoPartitionError); ok { // the remedy goes inside its parentheses
			msg, found = strings.Replace(msg, t, np.Explained("see `lakectl lake ls "+np.Table+"`"), 1), true
			return
		}
		r := remedy(e)
		if r == "" {
			return
		}
		found = true
		if i := strings.Index(msg, t); i >= 0 {
			msg = msg[:i+len(t)] + r + msg[i+len(t):]
		} else {
			msg += r
		}
	})
	if !found {
		return err
	}
	return &remedied{msg: msg, err: err}
}

// remedied is err with a remedy written into its message where a plain
// suffix would not read right; errors.Is and errors.As see err.
type remedied struct {
	msg string
	err error
}

func (r *remedied) Error() string { return r.msg }
func (r *remedied) Unwrap() error { return r.err }

// walkErrors calls fn on err and every error it wraps, outer first. It
// repeats input's walk, which is kept to *input.Error and unexported.
func walkErrors(err error, fn func(error)) {
	if err == nil {
		return
	}
	fn(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walkErrors(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			walkErrors(inner, fn)
		}
	}
}

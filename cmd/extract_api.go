package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/extract/api"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake/table"
)

// extractAPIFlags are an API extract's parameters: the command's flags,
// or an extract-api job's keys (`run` builds them too).
type extractAPIFlags struct {
	sources     []string
	sourcesDir  string
	from, to    string
	concurrency int
	replay      bool
}

// extractAPIOptions are the inputs of `lakectl extract api`.
type extractAPIOptions struct {
	f   *Factory
	ctx context.Context
	extractAPIFlags
}

func newCmdExtractAPI(f *Factory, runF func(*extractAPIOptions) error) *cobra.Command {
	opts := &extractAPIOptions{f: f}
	o := &opts.extractAPIFlags
	c := &cobra.Command{
		Use:   "api --source SPEC [--source SPEC ...] | --sources DIR",
		Short: "Extract paginated partner HTTP APIs into raw/ and tables/",
		Long: `Call paginated HTTP APIs described by JSON source specs (one per partner), keep
every response under raw/, and write the records to Parquet under tables/.
--replay rebuilds the tables from raw/ without calling any API.`,
		Example: `  lakectl extract api --source sources/awin.json
  lakectl extract api --sources s3://bucket/sources/ --from 2026-11-01T00:00:00Z --to 2026-11-02T00:00:00Z
  lakectl extract api --sources sources/ --replay`,
		Args: cobra.NoArgs,
		RunE: runE(opts, runF, extractAPIRun, func(cmd *cobra.Command, _ []string) error {
			opts.ctx = cmd.Context()
			return positiveFlags(cmd, "concurrency")
		}),
	}
	fl := c.Flags()
	fl.StringArrayVar(&o.sources, "source", nil, "source spec: a JSON file or a lake URL (repeatable)")
	fl.StringVar(&o.sourcesDir, "sources", "", "folder or lake prefix: run every *.json spec in it")
	fl.StringVar(&o.from, "from", "", "window start, RFC 3339 or YYYY-MM-DD (default: from the stored state)")
	fl.StringVar(&o.to, "to", "", "window end, RFC 3339 or YYYY-MM-DD (default: now)")
	fl.IntVar(&o.concurrency, "concurrency", 0, "requests in flight across all sources (default 32)")
	fl.BoolVar(&o.replay, "replay", false, "rebuild tables from raw/ without calling any API")
	return c
}

func extractAPIRun(opts *extractAPIOptions) error {
	res, err := extractAPI(opts.ctx, opts.f, &opts.extractAPIFlags)
	if res == nil {
		return err
	}
	if rerr := opts.f.IO.Render(res, func(w io.Writer) error { return printExtractAPI(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

// extractAPI runs the sources and keeps the catalog current. A partner
// that failed returns the result of all and an error.
func extractAPI(ctx context.Context, f *Factory, o *extractAPIFlags) (*api.Result, error) {
	if len(o.sources) == 0 && o.sourcesDir == "" {
		return nil, input.Errorf("name the sources: --source SPEC (repeatable) or --sources DIR")
	}
	from, err := parseTimeFlag("--from", o.from)
	if err != nil {
		return nil, err
	}
	to, err := parseTimeFlag("--to", o.to)
	if err != nil {
		return nil, err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p := f.IO.Progress("extract api", f.Logger())
	res, err := api.Extract(ctx, store, api.Options{
		Sources:     o.sources,
		SourcesDir:  o.sourcesDir,
		From:        from,
		To:          to,
		Concurrency: o.concurrency,
		Replay:      o.replay,
		Timeouts:    f.Timeouts(),
		Logger:      f.Logger(),
		Progress:    p,
	})
	p.Done()
	var rule *table.PartitionRuleError
	if errors.As(err, &rule) {
		err = input.Errorf("%v; nothing of that endpoint was written. To rewrite its table under the spec's partition_by, run `lakectl extract api --source SPEC --replay` (it rebuilds the table from raw/ and replaces every file); or restore the spec's partition_by", err)
	}
	if res == nil {
		return nil, err
	}
	var written []string
	for _, src := range res.Sources {
		if src.Files > 0 {
			written = append(written, src.Tables...)
		}
	}
	f.syncCatalog(ctx, store, written...)
	return res, err
}

func printExtractAPI(w io.Writer, res *api.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tREQUESTS\tRETRIES\tRECORDS\tROWS\tFILES\tBYTES\tTABLES\tERROR")
	for _, s := range res.Sources {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n", s.Source, s.Requests, s.Retries, s.Records, s.Rows, s.Files, humanBytes(s.Bytes), strings.Join(s.Tables, ","), s.Error)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d requests (%d retries), %d records, %d rows in %d files (%s) in %.1fs, %d sources failed\n",
		res.Requests, res.Retries, res.Records, res.Rows, res.Files, humanBytes(res.Bytes), res.DurationS, res.Errors)
	return err
}

// parseTimeFlag reads RFC 3339 or a date (midnight UTC); empty is zero.
func parseTimeFlag(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, input.Errorf("%s %q is not a time such as 2026-11-23 or 2026-11-23T14:00:00Z", name, s)
}

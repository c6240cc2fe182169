package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/catalog/glue"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// jobPublish is the job type of `lakectl run` that publishes to Glue.
const jobPublish = "publish"

// catalogPublishOptions are the parsed flags of `catalog publish`.
type catalogPublishOptions struct {
	f   *Factory
	ctx context.Context

	Tables       []string
	GlueDatabase string
	Location     string
	DryRun       bool
	// RegisterTimePartitions registers projected partitions too, for
	// Redshift Spectrum.
	RegisterTimePartitions bool
	// ConnectTimeout and IOTimeout bound each Glue call's network waits
	// (0: 30s and 5m).
	ConnectTimeout time.Duration
	IOTimeout      time.Duration
}

// Glue database names: lowercase letters, digits and underscores, at most
// 255 characters (Athena's rule for names it can query).
var glueName = regexp.MustCompile(`^[a-z0-9_]{1,255}$`)

func newCmdCatalogPublish(f *Factory, runF func(*catalogPublishOptions) error) *cobra.Command {
	opts := &catalogPublishOptions{f: f}
	c := &cobra.Command{
		Use:   "publish [TABLE ...] --glue-database NAME [--dry-run]",
		Short: "Create or update the tables in the AWS Glue Data Catalog, for Athena and Redshift Spectrum",
		Long: `Create or update each table (every table when none is named) in the AWS Glue
Data Catalog, from its latest recorded schema version: an external Parquet table
over its lake location. Time partitions are found by Athena's partition
projection; other partitions are registered (only the new ones). The database is
created when missing. A second publish of an unchanged lake changes nothing.
AWS_ENDPOINT_URL_GLUE and the AWS credential chain are honoured.`,
		Example: `  lakectl catalog publish --glue-database lake
  lakectl catalog publish orders --glue-database lake --dry-run
  lakectl --lake ./lake catalog publish --glue-database lake --location s3://bucket/lake`,
		RunE: runE(opts, runF, catalogPublishRun, func(cmd *cobra.Command, args []string) error {
			opts.ctx, opts.Tables = cmd.Context(), args
			return opts.validate()
		}),
	}
	c.Flags().StringVar(&opts.GlueDatabase, "glue-database", "", "the Glue database to publish into (created when missing)")
	c.Flags().StringVar(&opts.Location, "location", "", "the lake's S3 location s3://BUCKET/PREFIX, when the lake is read from elsewhere")
	c.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the Glue API calls that would change the catalog; change nothing")
	c.Flags().BoolVar(&opts.RegisterTimePartitions, "register-time-partitions", false, "also register the partitions Athena projects, for Redshift Spectrum (which ignores projection)")
	return c
}

func (o *catalogPublishOptions) validate() error {
	if o.GlueDatabase == "" {
		return input.Errorf("catalog publish needs --glue-database NAME, the Glue database to publish into")
	}
	if !glueName.MatchString(o.GlueDatabase) {
		return input.Errorf("--glue-database %q: use lowercase letters, digits and underscores", o.GlueDatabase)
	}
	if o.Location != "" && !strings.HasPrefix(o.Location, "s3://") {
		return input.Errorf("--location %q is not an s3:// URL: pass the lake's S3 location, e.g. s3://bucket/lake", o.Location)
	}
	return nil
}

func catalogPublishRun(opts *catalogPublishOptions) error {
	res, err := publishCatalog(opts)
	if res == nil {
		return err
	}
	if rerr := opts.f.IO.Render(res, func(w io.Writer) error { return printPublish(w, res) }); rerr != nil {
		return rerr
	}
	return err
}

// publishCatalog calls the library; `catalog publish` and publish jobs
// share it.
func publishCatalog(opts *catalogPublishOptions) (*glue.Result, error) {
	store, err := opts.f.Store(opts.ctx)
	if err != nil {
		return nil, err
	}
	if !opts.DryRun {
		opts.f.crawlUncataloged(opts.ctx, store, opts.Tables)
	}
	res, err := glue.Publish(opts.ctx, store, glue.Options{
		Database: opts.GlueDatabase, Tables: opts.Tables, Location: opts.Location, DryRun: opts.DryRun,
		RegisterProjected: opts.RegisterTimePartitions,
		ClientOptions:     glueClientOptions(opts),
		Logger:            opts.f.Logger(),
	})
	if errors.Is(err, glue.ErrNotS3) {
		return res, input.Wrap(fmt.Errorf("%w: pass --location s3://BUCKET/PREFIX (the lake's S3 location), or use an s3:// lake", err))
	}
	return res, err
}

// crawlUncataloged crawls the tables (every table when none is named)
// that have no schema version yet, as a Glue crawler would: files another
// tool wrote need no separate crawl to be published.
func (f *Factory) crawlUncataloged(ctx context.Context, store lake.Store, tables []string) {
	if len(tables) == 0 {
		all, err := table.List(ctx, store)
		if err != nil {
			return // publish reports it
		}
		tables = all
	}
	var todo []string
	for _, name := range tables {
		if _, err := catalog.Latest(ctx, store, name); errors.Is(err, lake.ErrNotExist) {
			todo = append(todo, name)
		}
	}
	f.syncCatalog(ctx, store, todo...)
}

func printPublish(w io.Writer, res *glue.Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tGLUE TABLE\tVERSION\tACTION\tPARTITIONS\tADDED\tLOCATION")
	for _, t := range res.Tables {
		parts := fmt.Sprint(t.Partitions)
		if t.Projected {
			parts = "projected"
		}
		action := t.Action
		if res.DryRun {
			// A dry run changed nothing: say what would happen.
			action = strings.NewReplacer("created", "would create", "updated", "would update").Replace(action)
		}
		fmt.Fprintf(tw, "%s\t%s.%s\tv%d\t%s\t%s\t%d\t%s\n", t.Table, res.Database, t.GlueTable, t.Version, action, parts, t.PartitionsAdded, t.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.Unreachable != "" {
		fmt.Fprintln(w, "glue unreachable: "+res.Unreachable)
	}
	if res.DryRun {
		fmt.Fprintf(w, "dry run: %d calls would change the catalog\n", len(res.Calls))
		for _, c := range res.Calls {
			fmt.Fprintf(w, "  %s %s%s%s\n", c.Op, c.Database, strings.TrimSuffix("."+c.Table, "."), strings.TrimSuffix(" ("+c.Summary+")", " ()"))
		}
		return nil
	}
	_, err := fmt.Fprintf(w, "%d changes to Glue database %s in %.1fs\n", res.Changes, res.Database, res.DurationS)
	return err
}

// runPublishJob runs a publish job of `lakectl run`.
func runPublishJob(ctx context.Context, f *Factory, j config.Job, dryRun bool) (*glue.Result, error) {
	opts := &catalogPublishOptions{f: f, ctx: ctx, Tables: j.Tables, GlueDatabase: j.GlueDatabase, Location: j.Location, DryRun: dryRun,
		RegisterTimePartitions: j.RegisterTimePartitions}
	if j.GlueDatabase == "" {
		return nil, input.Errorf("job %s of type publish needs glue_database: NAME in the config file", j.Name)
	}
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("job %s: %w", j.Name, err)
	}
	return publishCatalog(opts)
}

// glueClientOptions bounds Glue's waits by the options, else by
// --connect-timeout and --io-timeout.
func glueClientOptions(opts *catalogPublishOptions) glue.ClientOptions {
	t := opts.f.Timeouts()
	c := glue.ClientOptions{ConnectTimeout: opts.ConnectTimeout, IOTimeout: opts.IOTimeout}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = t.Connect
	}
	if c.IOTimeout <= 0 {
		c.IOTimeout = t.IO
	}
	return c
}

package cmd

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/warehouse"
)

// NewRootCmd builds the whole command tree over f.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "lakectl",
		Short: "Run an AWS data lake: extract, compact, catalog and load, exactly once",
		Long: `lakectl extracts MySQL tables and partner HTTP APIs into a lake of partitioned
Parquet files (S3 or a local folder), compacts small files, catalogs schemas and
their drift, and loads the lake into Redshift, PostgreSQL or DuckDB exactly once.

Every command is safe to rerun and to kill: the next run repairs and continues.
Results go to stdout (-o json for scripts), logs and progress to stderr.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		DisableAutoGenTag: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkRequiredFlags(cmd); err != nil {
				return err
			}
			return f.setup(cmd)
		},
		PersistentPostRun: func(*cobra.Command, []string) { f.Close() },
	}
	root.SetFlagErrorFunc(usageError)

	fl := root.PersistentFlags()
	fl.String("config", "", "config file (default ./lakectl.yaml, then $XDG_CONFIG_HOME/lakectl/config.yaml)")
	fl.String("lake", "./lake", "lake location: s3://bucket/prefix, file:///abs/path or a path")
	fl.String("warehouse", warehouse.DefaultURL, "warehouse URL: duckdb://FILE, postgres://..., redshift://...")
	fl.StringP("output", "o", "text", "result format: text or json")
	fl.String("log-format", "text", "log format on stderr: text or json")
	fl.String("log-level", "info", "log level: debug, info, warn or error")
	fl.BoolP("quiet", "q", false, "only warnings and errors on stderr, no progress")
	fl.Bool("no-progress", false, "no progress bar even on a terminal")
	fl.String("s3-endpoint", "", "S3-compatible endpoint URL (else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)")
	fl.Bool("s3-path-style", false, "path-style S3 addressing, for S3-compatible stores")
	fl.String("cluster", "", "Redshift cluster identifier to scale")
	fl.String("workgroup", "", "Redshift Serverless workgroup to scale")
	fl.StringArray("notify", nil, "also send notifications to this webhook URL or SNS topic ARN (repeatable; env LAKECTL_NOTIFY)")
	fl.Duration("connect-timeout", netx.DefaultConnect, "longest wait to connect to any server (MySQL, PostgreSQL, Redshift, S3, HTTP)")
	fl.Duration("io-timeout", netx.DefaultIO, "longest wait for a server to send or take any data on an open connection")

	root.AddCommand(
		newCmdExtract(f),
		newCmdLake(f),
		newCmdCatalog(f),
		newCmdWarehouse(f),
		newRebuildCmd(f),
		newRunCmd(f),
		newCmdCheck(f, nil),
		newCmdDemo(f, nil),
		newCmdVersion(f, nil),
	)
	root.InitDefaultCompletionCmd()
	addCompletions(f, root)
	typeUsageErrors(root)
	return root
}

// newGroupCmd is a command that only groups its subcommands.
func newGroupCmd(use, short string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{Use: use, Short: short}
	c.AddCommand(subs...)
	return c
}

// runE is a leaf command's RunE in gh's shape: set fills the options from
// the command line and checks its flags (nil: nothing to set), then a
// test's runF gets the options, or else run. Each command's file repeats
// that shape (xOptions with f and ctx, newCmdX opening a cobra.Command);
// duplicate finders list those openings: kept, they are the shape.
func runE[O any](opts *O, runF, run func(*O) error, set func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if set != nil {
			if err := set(cmd, args); err != nil {
				return err
			}
		}
		if runF != nil {
			return runF(opts)
		}
		return run(opts)
	}
}

// tableArg, tablesArgs and noArgs are the set functions of runE for
// commands whose only arguments are a TABLE (or an optional one), TABLEs
// or none.
func tableArg(ctx *context.Context, table *string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		*ctx = cmd.Context()
		if len(args) > 0 {
			*table = args[0]
		}
		return nil
	}
}

func tablesArgs(ctx *context.Context, tables *[]string) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		*ctx, *tables = cmd.Context(), args
		return nil
	}
}

func noArgs(ctx *context.Context) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		*ctx = cmd.Context()
		return nil
	}
}

// setup loads the configuration with its precedence and applies it to the
// streams and the logger.
func (f *Factory) setup(cmd *cobra.Command) error {
	configFile, _ := cmd.Flags().GetString("config")
	if configFile == "" {
		configFile = os.Getenv("LAKECTL_CONFIG")
	}
	if err := f.Loader.ReadFile(configFile); err != nil {
		return err
	}
	if err := f.Loader.BindFlags(cmd.Flags()); err != nil {
		return err
	}
	cfg, err := f.Loader.Config()
	if err != nil {
		return err
	}
	if err := addNotifyTargets(cmd, cfg); err != nil {
		return err
	}
	f.setConfig(cfg)
	f.IO.JSON = cfg.Output == "json"
	f.IO.Quiet = cfg.Quiet
	f.IO.NoProgress = cfg.NoProgress
	logger, err := f.IO.Logger(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return input.Wrap(err)
	}
	f.logger = logger
	if f.Loader.File() != "" {
		logger.Debug("config file read", "file", f.Loader.File())
	}
	return nil
}

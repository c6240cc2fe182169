package cmd

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
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
		newExtractCmd(f),
		newLakeCmd(f),
		newCatalogCmd(f),
		newWarehouseCmd(f),
		newRebuildCmd(f),
		newRunCmd(f),
		newCmdCheck(f, nil),
		newDemoCmd(f),
		newVersionCmd(f),
	)
	root.InitDefaultCompletionCmd()
	addCompletions(f, root)
	typeUsageErrors(root)
	return root
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
	f.cfg = cfg
	f.IO.JSON = cfg.Output == "json"
	f.IO.Quiet = cfg.Quiet
	f.IO.NoProgress = cfg.NoProgress
	logger, err := f.IO.Logger(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return clierr.Usage(err)
	}
	f.logger = logger
	if f.Loader.File() != "" {
		logger.Debug("config file read", "file", f.Loader.File())
	}
	return nil
}

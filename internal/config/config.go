// Package config loads lakectl's settings with one precedence, flag >
// LAKECTL_* environment variable > config file > default, from a viper
// instance of its own (never the global one). Config files are decoded
// strictly: an unknown key is an error naming the key and the file.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/warehouse"
)

// EnvPrefix is the prefix of lakectl's environment variables. Unknown
// LAKECTL_* variables are ignored: lakeFS's CLI of the same name uses it too.
const EnvPrefix = "LAKECTL"

// Config is every setting lakectl reads. Keys are the flag names with '-'
// as '_'; the environment variable is LAKECTL_ + the key in upper case.
type Config struct {
	Lake        string `mapstructure:"lake"`
	Warehouse   string `mapstructure:"warehouse"`
	Output      string `mapstructure:"output"`
	LogFormat   string `mapstructure:"log_format"`
	LogLevel    string `mapstructure:"log_level"`
	Quiet       bool   `mapstructure:"quiet"`
	NoProgress  bool   `mapstructure:"no_progress"`
	S3Endpoint  string `mapstructure:"s3_endpoint"`
	S3PathStyle bool   `mapstructure:"s3_path_style"`
	// Cluster and Workgroup name the Redshift cluster or serverless
	// workgroup behind the warehouse, for scaling.
	Cluster   string `mapstructure:"cluster"`
	Workgroup string `mapstructure:"workgroup"`
	// ScalePollInterval is the pause between resize status polls ("30s").
	ScalePollInterval string `mapstructure:"scale_poll_interval"`
	// ConnectTimeout and IOTimeout bound every network wait (durations
	// such as 30s or 5m; see Timeouts).
	ConnectTimeout string `mapstructure:"connect_timeout"`
	IOTimeout      string `mapstructure:"io_timeout"`

	// Tables holds per-table settings, by lake table name.
	Tables map[string]Table `mapstructure:"tables"`
	// Jobs are what `lakectl run` runs, in order.
	Jobs []Job `mapstructure:"jobs"`
	// Notify lists where events go (webhook or SNS); --notify adds one.
	Notify []NotifyTarget `mapstructure:"notify"`
	// Metrics says where `run` writes Prometheus metrics.
	Metrics Metrics `mapstructure:"metrics"`
}

// Check is one data-quality rule of a table (SPEC: tables.<t>.checks).
type Check struct {
	Type      string   `mapstructure:"type"` // row_count, freshness, unique, not_null, accepted_values, range, sql
	Name      string   `mapstructure:"name"`
	Columns   []string `mapstructure:"columns"`
	Column    string   `mapstructure:"column"`
	Values    []string `mapstructure:"values"`
	Min       string   `mapstructure:"min"`
	Max       string   `mapstructure:"max"`
	MaxChange string   `mapstructure:"max_change"` // 50% or a row count
	MaxAge    string   `mapstructure:"max_age"`
	Query     string   `mapstructure:"query"`
	Severity  string   `mapstructure:"severity"` // error (default) or warn
	Scope     string   `mapstructure:"scope"`    // new or all
}

// NotifyTarget is one destination of notifications.
type NotifyTarget struct {
	Webhook string   `mapstructure:"webhook"` // URL receiving a JSON POST with a text field
	SNS     string   `mapstructure:"sns"`     // topic ARN
	On      []string `mapstructure:"on"`      // failure, recovery, quality, lock
}

// Metrics configures the Prometheus textfile.
type Metrics struct {
	Textfile string `mapstructure:"textfile"`
}

// Table is the configuration of one lake table.
type Table struct {
	PartitionBy string   `mapstructure:"partition_by"` // the partition rule of extracts into this table: col or col:day|hour|month.
	Key         []string `mapstructure:"key"`          // key columns: the upsert key of loads, and the chunking key of an extract from a source table without a primary key.
	Cursor      string   `mapstructure:"cursor"`       // cursor column: the incremental cursor of extracts, and what orders a key's versions in upsert loads.
	SortBy      []string `mapstructure:"sort_by"`      // compaction output order
	TargetSize  string   `mapstructure:"target_size"`  // compaction target, e.g. 256MiB
	Codec       string   `mapstructure:"codec"`        // snappy, zstd, gzip, none
	DistKey     string   `mapstructure:"dist_key"`     // Redshift DDL
	SortKey     []string `mapstructure:"sort_key"`     // Redshift DDL
	Into        string   `mapstructure:"into"`         // warehouse target SCHEMA.TABLE
	Checks      []Check  `mapstructure:"checks"`       // data-quality rules
	// PartitionTypes types the keys of Hive folders written by other
	// tools (dt: date); an undeclared key is a string.
	PartitionTypes map[string]string `mapstructure:"partition_types"`
}

// Job is one step of `lakectl run`. Type selects which fields apply.
type Job struct {
	Name string `mapstructure:"name"`
	Type string `mapstructure:"type"` // extract-mysql, extract-api, compact, catalog, load

	// extract-mysql
	DSN            string   `mapstructure:"dsn"`
	Table          string   `mapstructure:"table"`
	As             string   `mapstructure:"as"`
	Key            []string `mapstructure:"key"` // key columns for chunking, for source tables without a primary key (extract-files: record fields every record must carry).
	Incremental    bool     `mapstructure:"incremental"`
	Cursor         string   `mapstructure:"cursor"` // cursor column of an incremental extract (extract-files: a record field every record must carry).
	Lookback       string   `mapstructure:"lookback"`
	PartitionBy    string   `mapstructure:"partition_by"` // partition rule: col or col:day|hour|month (extract-files: _ingested_at partitions by arrival time).
	ChunkRows      int      `mapstructure:"chunk_rows"`
	Parallel       int      `mapstructure:"parallel"`
	Where          string   `mapstructure:"where"`
	TinyInt1AsBool bool     `mapstructure:"tinyint1_as_bool"`
	Spatial        string   `mapstructure:"spatial"` // spatial columns as wkb (default: bytes, a 4-byte little-endian SRID then WKB) or wkt (text).

	// extract-postgres (with dsn, table, as, key, partition_by, chunk_rows, parallel)
	CDC             bool   `mapstructure:"cdc"`
	Slot            string `mapstructure:"slot"`
	Publication     string `mapstructure:"publication"`
	MaxSlotRetained string `mapstructure:"max_slot_retained"`

	// extract-api
	Sources     []string `mapstructure:"sources"`
	SourcesDir  string   `mapstructure:"sources_dir"`
	Concurrency int      `mapstructure:"concurrency"`

	// extract-files (also key, cursor, partition_by)
	From            string   `mapstructure:"from"`
	Routes          []string `mapstructure:"routes"`
	Format          string   `mapstructure:"format"`
	FilesJob        string   `mapstructure:"job"` // the ingest record's name (default: the job's name).
	Since           string   `mapstructure:"since"`
	SkipBadRecords  bool     `mapstructure:"skip_bad_records"`
	ReingestChanged bool     `mapstructure:"reingest_changed"`

	// any job under `run --every`: run it at most this often (a compact
	// job every hour while extracts and loads run every minute)
	Every string `mapstructure:"every"`

	// compact, catalog, load
	Tables     []string `mapstructure:"tables"`
	TargetSize string   `mapstructure:"target_size"`
	Into       string   `mapstructure:"into"`
	Mode       string   `mapstructure:"mode"`
	Transform  string   `mapstructure:"transform"`

	// publish (tables as above)
	GlueDatabase string `mapstructure:"glue_database"`
	Location     string `mapstructure:"location"` // the lake's S3 location, when read from elsewhere
	// RegisterTimePartitions registers projected partitions too (Spectrum).
	RegisterTimePartitions bool `mapstructure:"register_time_partitions"`
}

// Defaults, as SPEC.md gives them.
var defaults = map[string]any{
	"lake":      "./lake",
	"warehouse": warehouse.DefaultURL,
	"output":    "text",
	"log_level": "info",
}

// Loader binds flags, environment and file into one viper instance.
type Loader struct {
	v    *viper.Viper
	file string // the config file read, "" if none
}

// NewLoader returns a Loader with lakectl's defaults and environment binding.
func NewLoader() *Loader {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer("-", "_", ".", "_"))
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	// Every top-level key is bound to its variable, so env works for keys
	// that have no default and no flag too.
	for _, k := range topKeys() {
		if k == "notify" {
			continue // a list of targets; --notify / LAKECTL_NOTIFY add one (cmd)
		}
		_ = v.BindEnv(k)
	}
	return &Loader{v: v}
}

// BindFlags binds each flag to the key of the same name ('-' as '_').
// Only flags the user set override env and file (viper's rule).
func (l *Loader) BindFlags(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Name == "help" || f.Name == "notify" {
			return
		}
		if e := l.v.BindPFlag(strings.ReplaceAll(f.Name, "-", "_"), f); e != nil && err == nil {
			err = e
		}
	})
	return err
}

// ReadFile reads the config file: explicit (must exist), else ./lakectl.yaml,
// else $XDG_CONFIG_HOME/lakectl/config.yaml (or ~/.config/...), else none.
func (l *Loader) ReadFile(explicit string) error {
	path := explicit
	if path == "" {
		path = findConfigFile()
		if path == "" {
			return nil
		}
	}
	if err := checkConfigPath(path); err != nil {
		return err
	}
	raw := viper.New()
	raw.SetConfigFile(path)
	if ext := filepath.Ext(path); ext == "" {
		raw.SetConfigType("yaml")
	}
	if err := raw.ReadInConfig(); err != nil {
		if os.IsNotExist(err) || strings.Contains(err.Error(), "no such file") {
			return input.Errorf("config file %s does not exist; check --config or LAKECTL_CONFIG", path)
		}
		return input.Errorf("config file %s is unreadable: %s; fix its syntax", path, firstLine(err.Error()))
	}
	settings := raw.AllSettings()
	if err := checkKeys(settings, reflect.TypeOf(Config{}), ""); err != nil {
		return input.Errorf("config file %s: %v", path, err)
	}
	expanded, err := expand(settings, "")
	if err != nil {
		return input.Errorf("config file %s: %v", path, err)
	}
	if err := l.v.MergeConfigMap(expanded.(map[string]any)); err != nil {
		return input.Errorf("config file %s: %v", path, err)
	}
	l.file = path
	return nil
}

// File is the config file that was read, or "".
func (l *Loader) File() string { return l.file }

// Viper exposes the instance, for commands that read a key directly.
func (l *Loader) Viper() *viper.Viper { return l.v }

// Config decodes every setting with its precedence applied.
func (l *Loader) Config() (*Config, error) {
	var c Config
	dc := func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = true
		dc.DecodeHook = mapstructure.StringToSliceHookFunc(",")
	}
	if err := l.v.Unmarshal(&c, dc); err != nil {
		return nil, input.Errorf("configuration: %v", err)
	}
	switch c.Output {
	case "text", "json":
	default:
		return nil, input.Errorf("output %q is not text or json; use -o text or -o json", c.Output)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return nil, input.Errorf("log format %q is not text or json", c.LogFormat)
	}
	if _, err := c.Timeouts(); err != nil {
		return nil, err
	}
	return &c, nil
}

func findConfigFile() string {
	if _, err := os.Stat("lakectl.yaml"); err == nil {
		return "lakectl.yaml"
	}
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" {
		return ""
	}
	p := filepath.Join(dir, "lakectl", "config.yaml")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// topKeys lists Config's top-level keys.
func topKeys() []string {
	t := reflect.TypeOf(Config{})
	keys := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		keys = append(keys, t.Field(i).Tag.Get("mapstructure"))
	}
	return keys
}

// checkKeys reports the first key of m (sorted, for a stable message)
// that the struct type t does not declare, with its dotted path.
func checkKeys(m map[string]any, t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		fields[t.Field(i).Tag.Get("mapstructure")] = t.Field(i).Type
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ft, ok := fields[k]
		name := strings.TrimPrefix(path+"."+k, ".")
		if !ok {
			return fmt.Errorf("unknown key %q; see 'lakectl help' or README for the keys", name)
		}
		if err := checkValue(m[k], ft, name); err != nil {
			return err
		}
	}
	return nil
}

func checkValue(val any, ft reflect.Type, name string) error {
	switch ft.Kind() {
	case reflect.Struct:
		if sub, ok := val.(map[string]any); ok {
			return checkKeys(sub, ft, name)
		}
	case reflect.Map:
		if sub, ok := val.(map[string]any); ok {
			for k, v := range sub {
				if err := checkValue(v, ft.Elem(), name+"."+k); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		if items, ok := val.([]any); ok && ft.Elem().Kind() == reflect.Struct {
			for i, it := range items {
				if sub, ok := it.(map[string]any); ok {
					if err := checkKeys(sub, ft.Elem(), fmt.Sprintf("%s[%d]", name, i)); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${VAR} in every string value with the environment
// variable's value; an unset variable is an error, so a secret that is
// missing is noticed before it is used.
func expand(v any, path string) (any, error) {
	switch x := v.(type) {
	case string:
		var missing string
		out := varRef.ReplaceAllStringFunc(x, func(ref string) string {
			name := ref[2 : len(ref)-1]
			val, ok := os.LookupEnv(name)
			if !ok && missing == "" {
				missing = name
			}
			return val
		})
		if missing != "" {
			return nil, fmt.Errorf("key %q uses ${%s}, which is not set in the environment", path, missing)
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ev, err := expand(e, strings.TrimPrefix(path+"."+k, "."))
			if err != nil {
				return nil, err
			}
			out[k] = ev
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ev, err := expand(e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = ev
		}
		return out, nil
	}
	return v, nil
}

// ParseDuration reads a duration setting ("15m", "2h", and whole days
// "7d" or "1d12h" as API source specs write them), with the key in the
// error.
func ParseDuration(key, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	var days time.Duration
	rest := s
	if n, after, ok := strings.Cut(s, "d"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		if v, err := strconv.Atoi(n); err == nil {
			days, rest = time.Duration(v)*24*time.Hour, after
		}
	}
	var d time.Duration
	var err error
	if rest != "" {
		d, err = time.ParseDuration(rest)
	}
	if err != nil {
		return 0, input.Errorf("%s %q is not a duration such as 15m, 2h or 7d", key, s)
	}
	return days + d, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// ParseSize reads a byte size setting: a number of bytes, or a number with
// a unit (KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024),
// with the key in the error.
func ParseSize(key, s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	mult := map[string]float64{"": 1, "b": 1, "k": 1 << 10, "kb": 1e3, "kib": 1 << 10, "m": 1 << 20, "mb": 1e6, "mib": 1 << 20,
		"g": 1 << 30, "gb": 1e9, "gib": 1 << 30, "t": 1 << 40, "tb": 1e12, "tib": 1 << 40}[unit]
	var n float64
	if _, err := fmt.Sscanf(num, "%g", &n); err != nil || mult == 0 || n <= 0 {
		return 0, input.Errorf("%s %q is not a size such as 128MiB or 1GB", key, s)
	}
	return int64(n * mult), nil
}

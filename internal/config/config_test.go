package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/lakectl/lakectl/internal/clierr"
)

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lakectl.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, file string, args ...string) (*Config, error) {
	t.Helper()
	fs := pflag.NewFlagSet("lakectl", pflag.ContinueOnError)
	fs.String("lake", "./lake", "")
	fs.String("warehouse", "duckdb://./warehouse.duckdb", "")
	fs.StringP("output", "o", "text", "")
	fs.String("log-level", "info", "")
	fs.Bool("s3-path-style", false, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	l := NewLoader()
	if err := l.ReadFile(file); err != nil {
		return nil, err
	}
	if err := l.BindFlags(fs); err != nil {
		t.Fatal(err)
	}
	return l.Config()
}

// TestPrecedenceFlagOverEnvOverFileOverDefault pins SPEC's order for one
// key at each level, and a key set only lower down at each level.
func TestPrecedenceFlagOverEnvOverFileOverDefault(t *testing.T) {
	file := writeFile(t, "lake: s3://from-file/lake\nwarehouse: postgres://file/db\nlog_level: debug\n")
	t.Setenv("LAKECTL_WAREHOUSE", "postgres://env/db")
	t.Setenv("LAKECTL_LAKE", "s3://from-env/lake")

	c, err := load(t, file, "--lake", "s3://from-flag/lake")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ key, got, want string }{
		{"lake (flag > env > file)", c.Lake, "s3://from-flag/lake"},
		{"warehouse (env > file)", c.Warehouse, "postgres://env/db"},
		{"log_level (file > default)", c.LogLevel, "debug"},
		{"output (default)", c.Output, "text"},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %q, want %q", ck.key, ck.got, ck.want)
		}
	}
}

func TestDefaultsWithoutFileOrEnv(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	c, err := load(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Lake != "./lake" || c.Warehouse != "duckdb://./warehouse.duckdb" {
		t.Errorf("defaults: lake %q warehouse %q", c.Lake, c.Warehouse)
	}
}

func TestUnknownKeyInFileIsUsageErrorNamingKeyAndFile(t *testing.T) {
	for _, body := range []string{
		"lake: ./l\nwarehous: x\n",
		"tables:\n  orders:\n    partition_by: created_at:day\n    partiton: x\n",
		"jobs:\n  - name: a\n    type: compact\n    targetsize: 1\n",
	} {
		file := writeFile(t, body)
		_, err := load(t, file)
		if err == nil {
			t.Fatalf("config %q: want an error", body)
		}
		if clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "unknown key") {
			t.Errorf("config %q: got %v (exit %d)", body, err, clierr.Code(err))
		}
	}
}

func TestUnknownLakectlEnvIsIgnored(t *testing.T) {
	t.Setenv("LAKECTL_SERVER_ENDPOINT_URL", "https://lakefs.example.com") // lakeFS's variable
	if _, err := load(t, writeFile(t, "lake: ./l\n")); err != nil {
		t.Fatal(err)
	}
}

func TestVariablesExpandInFileValues(t *testing.T) {
	t.Setenv("DB_PASSWORD", "s3cr3t")
	file := writeFile(t, "jobs:\n  - name: orders\n    type: extract-mysql\n    dsn: mysql://etl:${DB_PASSWORD}@db:3306/shop\n")
	c, err := load(t, file)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Jobs) != 1 || c.Jobs[0].DSN != "mysql://etl:s3cr3t@db:3306/shop" {
		t.Fatalf("jobs = %+v", c.Jobs)
	}

	_, err = load(t, writeFile(t, "warehouse: postgres://u:${NOT_SET_ANYWHERE_42}@h/db\n"))
	if err == nil || !strings.Contains(err.Error(), "NOT_SET_ANYWHERE_42") {
		t.Fatalf("unset variable: got %v", err)
	}
}

func TestMissingExplicitFileIsUsageError(t *testing.T) {
	_, err := load(t, filepath.Join(t.TempDir(), "nope.yaml"))
	if clierr.Code(err) != clierr.ExitUsage {
		t.Fatalf("got %v", err)
	}
}

func TestBadOutputIsUsageError(t *testing.T) {
	_, err := load(t, writeFile(t, "lake: ./l\n"), "-o", "yaml")
	if clierr.Code(err) != clierr.ExitUsage {
		t.Fatalf("got %v", err)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "128MiB": 128 << 20, "1GB": 1e9, "1.5 GiB": 3 << 29, "64mb": 64e6} {
		if got, err := ParseSize("size", in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"lots", "12XB", "-1", "0"} {
		if _, err := ParseSize("size", bad); clierr.Code(err) != clierr.ExitUsage {
			t.Errorf("ParseSize(%q): %v", bad, err)
		}
	}
}

// TestParseDurationTakesWholeDays: --lookback 30d means what a source
// spec's "lookback": "30d" means.
func TestParseDurationTakesWholeDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "15m": 15 * time.Minute, "2h": 2 * time.Hour, "30d": 720 * time.Hour, "1d12h": 36 * time.Hour, "-1h": -time.Hour} {
		if got, err := ParseDuration("--lookback", in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"d", "1x", "30dd", "-3d", "3d-", "1.5d"} {
		if _, err := ParseDuration("--lookback", in); err == nil || !strings.Contains(err.Error(), in) {
			t.Errorf("%q: err %v", in, err)
		}
	}
}

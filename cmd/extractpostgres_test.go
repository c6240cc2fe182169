package cmd

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/testenv"
)

// parseExtractPostgres runs the command's flag parsing only.
func parseExtractPostgres(t *testing.T, args ...string) (*extractPostgresOptions, error) {
	t.Helper()
	io, _, _, _ := iostreams.Test()
	var got *extractPostgresOptions
	c := newCmdExtractPostgres(NewFactory(io), func(o *extractPostgresOptions) error { got = o; return nil })
	c.SetArgs(args)
	c.SetOut(&strings.Builder{})
	c.SetErr(&strings.Builder{})
	err := c.ExecuteContext(context.Background())
	return got, err
}

func TestExtractPostgresFlagsIntoOptions(t *testing.T) {
	o, err := parseExtractPostgres(t, "--dsn", "postgres://u:pw@h/db", "--table", "public.orders", "--as", "ord",
		"--key", "a,b", "--cdc", "--slot", "s1", "--publication", "p1", "--partition-by", "created_at:day",
		"--parallel", "4", "--chunk-rows", "500", "--max-slot-retained", "2GiB")
	if err != nil {
		t.Fatal(err)
	}
	if o.DSN != "postgres://u:pw@h/db" || o.Table != "public.orders" || o.As != "ord" || !slices.Equal(o.Key, []string{"a", "b"}) ||
		!o.CDC || o.Slot != "s1" || o.Publication != "p1" || o.PartitionBy != "created_at:day" || o.Parallel != 4 ||
		o.ChunkRows != 500 || o.MaxSlotRetained != "2GiB" || o.Incremental {
		t.Fatalf("options %+v", o)
	}
	o, err = parseExtractPostgres(t, "--dsn", "d", "--table", "t", "--incremental", "--cursor", "u", "--lookback", "5m")
	if err != nil || !o.Incremental || o.Cursor != "u" || o.Lookback != "5m" || o.Parallel != 1 {
		t.Fatalf("incremental: %+v %v", o, err)
	}
}

func TestExtractPostgresFlagConflictsAreUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--cdc", "--incremental", "--cursor", "x"}, "--cdc and --incremental"},
		{[]string{"--cursor", "x"}, "only with --incremental"},
		{[]string{"--slot", "s"}, "only with --cdc"},
		{[]string{"--parallel", "0"}, "--parallel"},
	} {
		_, err := parseExtractPostgres(t, append([]string{"--dsn", "d", "--table", "t"}, c.args...)...)
		if clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want a usage error naming %q", c.args, err, c.want)
		}
	}
}

func TestExtractPostgresCommandFullJSON(t *testing.T) {
	u := testenv.Postgres(t)
	conn := pgConnect(t, u)
	if _, err := conn.Exec(context.Background(), `CREATE TABLE orders (id int PRIMARY KEY, amount numeric(10,2));
		INSERT INTO orders SELECT g, g FROM generate_series(1, 10) g`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--lake", t.TempDir(), "-o", "json", "extract", "postgres", "--dsn", u, "--table", "public.orders")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s struct {
		Rows, Files, Bytes int64
		DurationS          *float64 `json:"duration_s"`
		Mode               string
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || s.Rows != 10 || s.Files != 1 || s.Bytes == 0 || s.DurationS == nil || s.Mode != "full" {
		t.Fatalf("%v: %s", err, out)
	}
	bad := strings.Replace(u, "postgres@", "postgres:S3cretPw@", 1)
	code, out, errOut = run(t, "--lake", t.TempDir(), "extract", "postgres", "--dsn", bad+"&port=1", "--table", "public.nope")
	if code == 0 || strings.Contains(out+errOut, "S3cretPw") {
		t.Fatalf("exit %d, output %q %q", code, out, errOut)
	}
}

func pgConnect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// Package warehouse loads lake tables into a SQL warehouse (DuckDB,
// PostgreSQL, Redshift) exactly once per file: it takes the table's live
// files, subtracts the load ledger (lakectl_loads, following the lake's
// lineage so that compacted files of loaded files are not loaded again),
// and loads the rest in one warehouse transaction that also writes the
// ledger rows.
//
// The load logic is here and the same for every warehouse; the drivers in
// warehouse/duckdb, warehouse/postgres and warehouse/redshift run the SQL
// (kept in their embedded templates) and move files' rows fast.
package warehouse

import (
	"context"
	"net/url"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/duckdb"
	"github.com/lakectl/lakectl/warehouse/postgres"
	"github.com/lakectl/lakectl/warehouse/redshift"
)

// Warehouse is an open warehouse; see driver.Warehouse for the contract.
type Warehouse = driver.Warehouse

// DefaultURL is the warehouse when none is configured.
const DefaultURL = "duckdb://./warehouse.duckdb"

// Options configure Open.
type Options struct {
	// Cluster and Workgroup name the Redshift cluster or serverless
	// workgroup behind a warehouse URL (they override the URL's own
	// cluster= / workgroup= parameters).
	Cluster   string
	Workgroup string
	// Timeouts bound connecting to a PostgreSQL or Redshift server and each
	// read or write on its connections (zero: netx's defaults).
	Timeouts netx.Timeouts
}

// Open checks a warehouse URL and returns its driver; connections open on
// first use. A malformed URL is a usage error; the password never appears
// in any message.
func Open(ctx context.Context, rawURL string, opts Options) (Warehouse, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, input.Errorf("warehouse URL %q: want duckdb://PATH, postgres://USER@HOST:PORT/DB or redshift://USER:PW@HOST:5439/DB?iam_role=ARN", redact.Patterns(rawURL))
	}
	w, err := open(ctx, strings.ToLower(scheme), rawURL, rest, opts)
	if err != nil {
		return nil, err
	}
	if t, ok := driver.As[driver.Timeouts](w); ok {
		t.SetTimeouts(opts.Timeouts)
	}
	return w, nil
}

func open(ctx context.Context, scheme, rawURL, rest string, opts Options) (Warehouse, error) {
	switch scheme {
	case "duckdb":
		if rest == "" {
			return nil, input.Errorf("warehouse URL %s: no database file (use %s)", rawURL, DefaultURL)
		}
		return checked(duckdb.Open(ctx, rest))
	case "postgres", "postgresql", "redshift":
		u, err := parseURL(rawURL)
		if err != nil {
			return nil, err
		}
		registerPassword(ctx, u)
		if scheme == "redshift" {
			return checked(redshift.Open(ctx, u, redshift.Options{Cluster: opts.Cluster, Workgroup: opts.Workgroup}))
		}
		return checked(postgres.Open(ctx, rawURL))
	}
	return nil, input.Errorf("warehouse URL %q: unknown scheme %q (use duckdb, postgres or redshift)", redact.Patterns(rawURL), scheme)
}

// checked keeps a driver's nil pointer out of the Warehouse interface.
func checked[W Warehouse](w W, err error) (Warehouse, error) {
	if err != nil {
		return nil, err
	}
	return w, nil
}

func parseURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, input.Errorf("warehouse URL %q: %s", redact.Patterns(rawURL), redact.Patterns(err.Error()))
	}
	if u.Host == "" {
		return nil, input.Errorf("warehouse URL %s: no host", redact.URL(u))
	}
	return u, nil
}

func registerPassword(ctx context.Context, u *url.URL) {
	if pw, ok := u.User.Password(); ok {
		redact.Register(ctx, pw)
	}
}

package mysql

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
)

// Options the messages name more than once.
const (
	optDSN      = input.Option("dsn")
	optTable    = input.Option("table")
	optLookback = input.Option("lookback")
)

// Session settings every extract connection runs with: TIMESTAMP values in
// UTC, and timeouts generous enough that a consumer busy encoding Parquet
// never makes the server drop the connection (FIELD-NOTES: net_write_timeout).
var sessionParams = map[string]string{
	"time_zone":         "'+00:00'",
	"net_write_timeout": "3600",
	"net_read_timeout":  "3600",
	"wait_timeout":      "28800",
}

// parseDSN reads both DSN forms lakectl accepts:
//
//	mysql://user:password@host:port/db?param=value
//	user:password@tcp(host:port)/db?param=value   (go-sql-driver form)
//
// It registers the password with ctx's redaction registry, and sets what
// the extract depends on: the text protocol with interpolated parameters
// (values arrive as bytes), no time parsing by the driver, UTC session.
func parseDSN(ctx context.Context, dsn string, logger *slog.Logger) (*mysql.Config, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, input.Errorf("%s is required: mysql://user:password@host:port/db", optDSN)
	}
	var (
		cfg *mysql.Config
		err error
	)
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && scheme != "mysql" && scheme != "mariadb" && !strings.ContainsAny(scheme, "@(/") {
		return nil, input.Errorf("%s is a %s:// URL but extract mysql reads MySQL or MariaDB: give a mysql:// DSN (mysql://USER@HOST:PORT/DB, the password after USER:)", optDSN, redact.Patterns(scheme))
	}
	if strings.HasPrefix(dsn, "mysql://") || strings.HasPrefix(dsn, "mariadb://") {
		cfg, err = parseURLDSN(ctx, dsn)
	} else {
		// Register the password before the driver can echo it in an error.
		if at := strings.LastIndex(dsn, "@"); at > 0 {
			if _, pw, ok := strings.Cut(dsn[:at], ":"); ok {
				redact.Register(ctx, pw)
			}
		}
		cfg, err = mysql.ParseDSN(dsn)
		if err != nil {
			err = input.Errorf("parse %s %s: %s", optDSN, redact.String(ctx, dsn), redact.String(ctx, err.Error()))
		}
	}
	if err != nil {
		return nil, input.Wrap(err)
	}
	redact.Register(ctx, cfg.Passwd)
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	for k, v := range sessionParams {
		if _, set := cfg.Params[k]; !set {
			cfg.Params[k] = v
		}
	}
	// TIMESTAMP values are instants: the session must be UTC whatever the
	// DSN asks, or they land shifted (DATETIME is unaffected by it).
	if tz := cfg.Params["time_zone"]; tz != sessionParams["time_zone"] {
		if logger != nil {
			logger.Info("the DSN's time_zone is overridden: the session runs in UTC so TIMESTAMP values land as UTC instants", "dsn_time_zone", tz)
		}
		cfg.Params["time_zone"] = sessionParams["time_zone"]
	}
	if cfg.DialFunc == nil && (cfg.Net == "tcp" || cfg.Net == "unix") {
		cfg.DialFunc = dialBuffered
	}
	cfg.InterpolateParams = true
	cfg.ParseTime = false
	cfg.MultiStatements = false
	cfg.Loc = time.UTC
	cfg.Logger = driverLogger{ctx: ctx, log: logger}
	return cfg, nil
}

func parseURLDSN(ctx context.Context, dsn string) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url errors quote the whole input: keep only the redacted form.
		return nil, input.Errorf("parse %s %s: not a valid URL", optDSN, redact.Patterns(dsn))
	}
	user, pw := "", ""
	if u.User != nil {
		user = u.User.Username()
		pw, _ = u.User.Password()
		redact.Register(ctx, pw)
	}
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if strings.Contains(db, "/") {
		return nil, input.Errorf("parse %s %s: the path must be one database name", optDSN, redact.URL(u))
	}
	// Let the driver read the query parameters (tls, loc, charset, timeouts,
	// session variables) exactly as in its own DSN form.
	cfg, err := mysql.ParseDSN("tcp(" + net.JoinHostPort(host, port) + ")/" + url.PathEscape(db) + "?" + u.RawQuery)
	if err != nil {
		return nil, input.Errorf("parse %s %s: %s", optDSN, redact.URL(u), redact.String(ctx, err.Error()))
	}
	cfg.User, cfg.Passwd, cfg.DBName = user, pw, db
	return cfg, nil
}

// splitTable resolves the table option (DB.TABLE, or TABLE when the DSN names a
// database) into database and table names.
func splitTable(cfg *mysql.Config, table string) (db, name string, err error) {
	table = strings.TrimSpace(table)
	if table == "" {
		return "", "", input.Errorf("%s is required: DB.TABLE", optTable)
	}
	strip := func(s string) string { return strings.Trim(s, "`") }
	if d, t, ok := strings.Cut(table, "."); ok {
		db, name = strip(d), strip(t)
	} else {
		db, name = cfg.DBName, strip(table)
	}
	if db == "" {
		return "", "", input.Errorf("%s %q names no database and the DSN has none: use DB.TABLE", optTable, table)
	}
	if name == "" || strings.Contains(name, ".") {
		return "", "", input.Errorf("%s %q: want DB.TABLE", optTable, table)
	}
	return db, name, nil
}

// driverLogger routes the driver's own complaints (it prints to stderr by
// default) to the extract's logger at debug level, redacted.
type driverLogger struct {
	ctx context.Context
	log *slog.Logger
}

func (l driverLogger) Print(v ...any) {
	if l.log != nil {
		l.log.Debug("mysql driver", "msg", redact.String(l.ctx, fmt.Sprint(v...)))
	}
}

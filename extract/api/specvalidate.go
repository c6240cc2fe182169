package api

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"text/template"
	"time"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/lake/schema"
)

// Defaults of a spec's optional settings.
const (
	defaultMaxPages    = 10000
	defaultTimeout     = 60 * time.Second
	defaultAttempts    = 5
	defaultBackoffBase = 500 * time.Millisecond
	defaultBackoffMax  = 60 * time.Second
	maxPagesLimit      = 999999 // page numbers in raw file names have six digits
)

var (
	nameRe    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	columnRe  = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,126}$`)
	accountRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
)

// reservedColumns are added to every API table.
var reservedColumns = []string{"_source", "_account", "_extracted_at", "_window_start"}

// validate checks everything that can be checked without the network or
// the environment, and compiles every template once.
func (s *Spec) validate() error {
	if !nameRe.MatchString(s.Name) {
		return fmt.Errorf("at $.name: %q must be 1 to 63 characters of a-z, 0-9 and _, starting with a letter", s.Name)
	}
	u, err := url.Parse(s.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("at $.base_url: %q is not an http(s) URL", s.BaseURL)
	}
	if u.User != nil {
		return fmt.Errorf("at $.base_url: credentials in the URL are not allowed; use $.auth with environment variables")
	}
	if err := s.Auth.validate("$.auth"); err != nil {
		return err
	}
	seenAcc := map[string]bool{}
	for i, a := range s.Accounts {
		p := fmt.Sprintf("$.accounts[%d]", i)
		if !accountRe.MatchString(a.ID) {
			return fmt.Errorf("at %s.id: %q must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -", p, a.ID)
		}
		if seenAcc[a.ID] {
			return fmt.Errorf("at %s.id: account %q is listed twice", p, a.ID)
		}
		seenAcc[a.ID] = true
		if err := a.Auth.validate(p + ".auth"); err != nil {
			return err
		}
	}
	for k, v := range s.Headers {
		if _, err := parseTemplate(v); err != nil {
			return fmt.Errorf("at $.headers.%s: %v", k, err)
		}
	}
	if s.RateLimit != nil {
		if s.RateLimit.RequestsPerSecond <= 0 {
			return fmt.Errorf("at $.rate_limit.requests_per_second: must be greater than 0")
		}
		if s.RateLimit.Burst < 0 {
			return fmt.Errorf("at $.rate_limit.burst: must not be negative")
		}
	}
	if s.Concurrency < 0 {
		return fmt.Errorf("at $.concurrency: must not be negative")
	}
	if s.Retry != nil && (s.Retry.Attempts < 0 || s.Retry.Attempts > 100) {
		return fmt.Errorf("at $.retry.attempts: must be 1 to 100")
	}
	if s.Timeout < 0 {
		return fmt.Errorf("at $.timeout: must not be negative")
	}
	if len(s.Endpoints) == 0 {
		return fmt.Errorf("at $.endpoints: a source needs at least one endpoint")
	}
	seenEP := map[string]bool{}
	seenTable := map[string]bool{}
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		p := fmt.Sprintf("$.endpoints[%d]", i)
		if err := e.validate(p, s); err != nil {
			return err
		}
		if seenEP[e.Name] {
			return fmt.Errorf("at %s.name: endpoint %q is listed twice", p, e.Name)
		}
		seenEP[e.Name] = true
		if seenTable[e.TableName(s)] {
			return fmt.Errorf("at %s.table: table %q is the destination of two endpoints", p, e.TableName(s))
		}
		seenTable[e.TableName(s)] = true
	}
	return nil
}

func (a *Auth) validate(p string) error {
	if a == nil {
		return nil
	}
	need := func(field, v string) error {
		if v == "" {
			return fmt.Errorf("at %s.%s: required for auth type %q", p, field, a.Type)
		}
		if _, err := parseTemplate(v); err != nil {
			return fmt.Errorf("at %s.%s: %v", p, field, err)
		}
		return nil
	}
	switch a.Type {
	case "none":
		return nil
	case "bearer":
		return need("token_env", a.TokenEnv)
	case "header":
		if a.Header == "" {
			return fmt.Errorf("at %s.header: required for auth type \"header\"", p)
		}
		return need("token_env", a.TokenEnv)
	case "query":
		if a.Param == "" {
			return fmt.Errorf("at %s.param: required for auth type \"query\"", p)
		}
		return need("token_env", a.TokenEnv)
	case "basic":
		if err := need("username_env", a.UsernameEnv); err != nil {
			return err
		}
		return need("password_env", a.PasswordEnv)
	}
	return fmt.Errorf("at %s.type: %q is not one of none, bearer, header, query, basic", p, a.Type)
}

func (e *Endpoint) validate(p string, s *Spec) error {
	if !nameRe.MatchString(e.Name) {
		return fmt.Errorf("at %s.name: %q must be 1 to 63 characters of a-z, 0-9 and _, starting with a letter", p, e.Name)
	}
	if err := e.validateRequest(p); err != nil {
		return err
	}
	if e.Table != "" && !nameRe.MatchString(e.Table) {
		return fmt.Errorf("at %s.table: %q must be 1 to 63 characters of a-z, 0-9 and _, starting with a letter", p, e.Table)
	}
	if err := e.Window.validate(p + ".window"); err != nil {
		return err
	}
	if err := e.Pagination.validate(p + ".pagination"); err != nil {
		return err
	}
	if _, err := parsePath(e.RecordsPath); err != nil {
		return fmt.Errorf("at %s.records_path: %v", p, err)
	}
	cols, err := e.validateFields(p)
	if err != nil {
		return err
	}
	return e.validateColumns(p, cols)
}

// validateRequest checks the method and the templates of the request.
func (e *Endpoint) validateRequest(p string) error {
	switch strings.ToUpper(e.Method) {
	case "", "GET", "POST":
	default:
		return fmt.Errorf("at %s.method: %q is not GET or POST", p, e.Method)
	}
	if e.Path == "" {
		return fmt.Errorf("at %s.path: required (\"/\" for the base URL itself)", p)
	}
	if _, err := parseTemplate(e.Path); err != nil {
		return fmt.Errorf("at %s.path: %v", p, err)
	}
	for k, v := range e.Query {
		if _, err := parseTemplate(v); err != nil {
			return fmt.Errorf("at %s.query.%s: %v", p, k, err)
		}
	}
	for k, v := range e.Headers {
		if _, err := parseTemplate(v); err != nil {
			return fmt.Errorf("at %s.headers.%s: %v", p, k, err)
		}
	}
	return nil
}

// validateFields checks the declared fields and returns the column names
// taken, reserved ones included.
func (e *Endpoint) validateFields(p string) (map[string]bool, error) {
	cols := map[string]bool{}
	for _, r := range reservedColumns {
		cols[r] = true
	}
	for i, f := range e.Fields {
		fp := fmt.Sprintf("%s.fields[%d]", p, i)
		if !columnRe.MatchString(f.Name) {
			return nil, fmt.Errorf("at %s.name: %q must be a lowercase column name (a-z, 0-9, _)", fp, f.Name)
		}
		if cols[f.Name] {
			return nil, fmt.Errorf("at %s.name: column %q is defined twice or is reserved", fp, f.Name)
		}
		cols[f.Name] = true
		if _, err := parsePath(f.Path); err != nil {
			return nil, fmt.Errorf("at %s.path: %v", fp, err)
		}
		if f.Type != "" {
			t, err := schema.ParseType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("at %s.type: %v", fp, err)
			}
			if !records.Convertible(t) {
				return nil, fmt.Errorf("at %s.type: %s is not supported for API fields", fp, t)
			}
		}
		if f.Format != "" && f.Type != "timestamp" && f.Type != "date" {
			return nil, fmt.Errorf("at %s.format: only timestamp and date fields take a format", fp)
		}
	}
	return cols, nil
}

// validateColumns checks that the key and cursor name columns: declared
// fields when there are some, else column names.
func (e *Endpoint) validateColumns(p string, cols map[string]bool) error {
	check := func(fp, name string) error {
		if len(e.Fields) > 0 && !cols[name] {
			return fmt.Errorf("at %s: %q is not one of the endpoint's fields", fp, name)
		}
		if len(e.Fields) == 0 && !columnRe.MatchString(name) {
			return fmt.Errorf("at %s: %q is not a column name", fp, name)
		}
		return nil
	}
	for i, k := range e.Key {
		if err := check(fmt.Sprintf("%s.key[%d]", p, i), k); err != nil {
			return err
		}
	}
	if e.Cursor != "" {
		if err := check(p+".cursor", e.Cursor); err != nil {
			return err
		}
	}
	return nil
}

func (w *Window) validate(p string) error {
	if w == nil {
		return nil
	}
	g := w.granule()
	if g == 0 {
		return fmt.Errorf("at %s.granularity: %q is not hour or day", p, w.Granularity)
	}
	if w.MaxSpan < 0 || (w.MaxSpan > 0 && w.MaxSpan.D()%g != 0) {
		return fmt.Errorf("at %s.max_span: %s must be a positive multiple of one %s", p, w.MaxSpan.D(), w.Granularity)
	}
	if w.Lookback < 0 || w.Delay < 0 {
		return fmt.Errorf("at %s: lookback and delay must not be negative", p)
	}
	if _, err := parseTime(w.Start); err != nil {
		return fmt.Errorf("at %s.start: %v", p, err)
	}
	return nil
}

func (w *Window) granule() time.Duration {
	switch w.Granularity {
	case "hour":
		return time.Hour
	case "day":
		return 24 * time.Hour
	}
	return 0
}

func (w *Window) span() time.Duration {
	if w.MaxSpan > 0 {
		return w.MaxSpan.D()
	}
	return w.granule()
}

func (pg *Pagination) validate(p string) error {
	if pg == nil {
		return nil
	}
	if pg.MaxPages < 0 || pg.MaxPages > maxPagesLimit {
		return fmt.Errorf("at %s.max_pages: must be 1 to %d", p, maxPagesLimit)
	}
	switch pg.Stop {
	case "", "empty", "short", "total":
	default:
		return fmt.Errorf("at %s.stop: %q is not empty, short or total", p, pg.Stop)
	}
	if pg.Stop == "short" && pg.Size <= 0 {
		return fmt.Errorf("at %s.size: stop \"short\" needs the page size", p)
	}
	if pg.Stop == "total" && pg.TotalPath == "" {
		return fmt.Errorf("at %s.total_path: stop \"total\" needs the path of the total", p)
	}
	for _, f := range []struct{ name, v string }{{"total_path", pg.TotalPath}, {"cursor_path", pg.CursorPath}, {"next_url_path", pg.NextURLPath}} {
		if _, err := parsePath(f.v); err != nil {
			return fmt.Errorf("at %s.%s: %v", p, f.name, err)
		}
	}
	switch pg.Type {
	case "none", "link_header":
	case "page":
		if pg.StartPage < 0 {
			return fmt.Errorf("at %s.start_page: must not be negative", p)
		}
	case "offset":
		if pg.Size <= 0 {
			return fmt.Errorf("at %s.size: offset pagination needs the page size (limit)", p)
		}
	case "cursor":
		if pg.CursorPath == "" {
			return fmt.Errorf("at %s.cursor_path: cursor pagination needs the path of the next token", p)
		}
	case "next_url":
		if pg.NextURLPath == "" {
			return fmt.Errorf("at %s.next_url_path: next_url pagination needs the path of the next URL", p)
		}
	default:
		return fmt.Errorf("at %s.type: %q is not one of none, page, offset, cursor, next_url, link_header", p, pg.Type)
	}
	return nil
}

// TableName is the endpoint's destination table (default <source>_<endpoint>).
func (e *Endpoint) TableName(s *Spec) string {
	if e.Table != "" {
		return e.Table
	}
	return s.Name + "_" + e.Name
}

// parseTime reads RFC 3339 or YYYY-MM-DD (UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time or a YYYY-MM-DD date", s)
}

// templateFuncs are available in every template of a spec.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"format": func(t time.Time, layout string) string { return t.UTC().Format(layout) },
		"unix":   func(t time.Time) int64 { return t.Unix() },
		"unixms": func(t time.Time) int64 { return t.UnixMilli() },
	}
}

func parseTemplate(s string) (*template.Template, error) {
	t, err := template.New("").Funcs(templateFuncs()).Option("missingkey=error").Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid template %q: %v", s, strings.TrimPrefix(err.Error(), "template: :"))
	}
	return t, nil
}

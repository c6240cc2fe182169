// Package api extracts paginated HTTP APIs described by JSON source specs
// (one per partner) into the lake: every response body lands gzipped under
// raw/<source>/<endpoint>/dt=YYYY-MM-DD/ before it is transformed, then the
// records become Parquet rows of tables/<table>/ through lake/table, with
// the incremental state advanced in the same commit. docs/api-sources.md
// documents the spec.
package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Spec is one partner's source spec. Field names are the JSON keys; an
// unknown key is an error (LoadSpec).
type Spec struct {
	Name        string            `json:"name"`
	BaseURL     string            `json:"base_url"`
	Auth        *Auth             `json:"auth,omitempty"`
	Accounts    []Account         `json:"accounts,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	RawHeaders  []string          `json:"raw_headers,omitempty"`
	RateLimit   *RateLimit        `json:"rate_limit,omitempty"`
	Concurrency int               `json:"concurrency,omitempty"`
	Retry       *Retry            `json:"retry,omitempty"`
	Timeout     Duration          `json:"timeout,omitempty"`
	Endpoints   []Endpoint        `json:"endpoints"`

	file string // where the spec was read from, for messages
}

// Auth says how requests authenticate. Every *_env names an environment
// variable (a template over the account: "AWIN_TOKEN_{{.Account.ID}}");
// the value is registered with redact and never stored.
type Auth struct {
	Type        string `json:"type"`                   // none | bearer | header | query | basic
	TokenEnv    string `json:"token_env,omitempty"`    // bearer, header, query
	Header      string `json:"header,omitempty"`       // header: the header name
	Prefix      string `json:"prefix,omitempty"`       // header: text before the value ("Token ")
	Param       string `json:"param,omitempty"`        // query: the parameter name
	UsernameEnv string `json:"username_env,omitempty"` // basic
	PasswordEnv string `json:"password_env,omitempty"` // basic
}

// Account is one set of credentials and template variables of a partner.
type Account struct {
	ID   string            `json:"id"`
	Name string            `json:"name,omitempty"`
	Vars map[string]string `json:"vars,omitempty"`
	Auth *Auth             `json:"auth,omitempty"` // overrides the source's auth
}

// RateLimit is a token bucket shared by all accounts and endpoints of a source.
type RateLimit struct {
	RequestsPerSecond float64 `json:"requests_per_second"`
	Burst             int     `json:"burst,omitempty"`
}

// Retry is the retry policy for 429, 5xx, timeouts and connection errors.
type Retry struct {
	Attempts    int      `json:"attempts,omitempty"`     // total tries, including the first
	BackoffBase Duration `json:"backoff_base,omitempty"` // first backoff; doubles each retry
	BackoffMax  Duration `json:"backoff_max,omitempty"`  // cap of one backoff (and of Retry-After)
}

// Endpoint is one resource of the partner, landing in one table.
type Endpoint struct {
	Name        string            `json:"name"`
	Method      string            `json:"method,omitempty"`
	Path        string            `json:"path"`
	Query       map[string]string `json:"query,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Window      *Window           `json:"window,omitempty"`
	Pagination  *Pagination       `json:"pagination,omitempty"`
	RecordsPath string            `json:"records_path,omitempty"`
	Fields      []Field           `json:"fields,omitempty"`
	Key         []string          `json:"key,omitempty"`
	Cursor      string            `json:"cursor,omitempty"`
	Table       string            `json:"table,omitempty"`
	PartitionBy string            `json:"partition_by,omitempty"` // "col", "col:day|hour|month" (lake/table rule)
}

// Window splits time into request windows.
type Window struct {
	Granularity  string   `json:"granularity"`             // hour | day
	MaxSpan      Duration `json:"max_span,omitempty"`      // longest window per request; a multiple of the granularity
	Format       string   `json:"format,omitempty"`        // Go layout, or unix / unix_ms; default RFC 3339
	Start        string   `json:"start"`                   // first window start when no state exists (RFC 3339 or YYYY-MM-DD)
	Lookback     Duration `json:"lookback,omitempty"`      // re-fetch this much before the watermark on every run
	EndInclusive bool     `json:"end_inclusive,omitempty"` // .End is the last granule inside the window, not the first after
	Delay        Duration `json:"delay,omitempty"`         // windows end no later than now minus this
}

// Pagination says how pages follow each other.
type Pagination struct {
	Type        string `json:"type"`                   // none | page | offset | cursor | next_url | link_header
	PageParam   string `json:"page_param,omitempty"`   // page: query parameter set to the page number (optional when the template uses .Page)
	StartPage   int    `json:"start_page,omitempty"`   // page: first page number (default 1)
	SizeParam   string `json:"size_param,omitempty"`   // page, offset: query parameter set to the page size / limit
	Size        int    `json:"size,omitempty"`         // page, offset: records per page
	OffsetParam string `json:"offset_param,omitempty"` // offset: query parameter set to the offset
	// Stop is when page/offset pagination ends: "empty" (a page with no
	// records, the default), "short" (fewer records than size), or
	// "total" (TotalPath gives the total count of records, or of pages
	// for page pagination).
	Stop        string `json:"stop,omitempty"`
	TotalPath   string `json:"total_path,omitempty"`
	CursorPath  string `json:"cursor_path,omitempty"`   // cursor: where the next token is in the body
	CursorParam string `json:"cursor_param,omitempty"`  // cursor: query parameter that carries it (optional when the template uses .Cursor)
	NextURLPath string `json:"next_url_path,omitempty"` // next_url: where the next URL is in the body
	MaxPages    int    `json:"max_pages,omitempty"`     // hard stop per window (default 10000)
}

// Field is one column taken from each record.
type Field struct {
	Name   string `json:"name"`             // column name
	Path   string `json:"path,omitempty"`   // dotted path or JSON pointer in the record (default: Name)
	Type   string `json:"type,omitempty"`   // lake type (int64, decimal(18,2), timestamp, string, json...); inferred when empty
	Format string `json:"format,omitempty"` // timestamp/date layout: Go layout, unix, unix_ms (default RFC 3339)
}

// Duration is a time.Duration written as "500ms", "72h" or "30d".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "72h", "30d", "1d12h" or "500ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"30s\", \"72h\" or \"7d\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration is time.ParseDuration plus a leading whole-days "Nd".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err == nil {
			days = time.Duration(n) * 24 * time.Hour
			s = s[i+1:]
			if s == "" {
				return days, nil
			}
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want for example \"30s\", \"72h\" or \"7d\"", s)
	}
	return days + v, nil
}

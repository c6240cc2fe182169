package api

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// tmplData is what path, query and header templates see.
type tmplData struct {
	Source    string
	Endpoint  string
	Account   accountTmpl
	Start     string    // window start in the window's format
	End       string    // window end in the window's format (last granule when end_inclusive)
	StartTime time.Time // window start
	EndTime   time.Time // window end (exclusive)
	Page      int       // page pagination: the page number
	PageSize  int       // page and offset pagination: the page size
	Offset    int       // offset pagination: records skipped
	Limit     int       // offset pagination: the page size
	Cursor    string    // cursor pagination: the token of the next page ("" on the first)
}

type accountTmpl struct {
	ID   string
	Name string
	Vars map[string]string
}

func accountData(a Account) accountTmpl {
	vars := a.Vars
	if vars == nil {
		vars = map[string]string{}
	}
	return accountTmpl{ID: a.ID, Name: a.Name, Vars: vars}
}

func render(tmpl string, d tmplData) (string, error) {
	if !strings.Contains(tmpl, "{{") {
		return tmpl, nil
	}
	t, err := parsedTemplate(tmpl)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if err := t.Execute(&sb, d); err != nil {
		return "", fmt.Errorf("template %q: %v", tmpl, err)
	}
	return sb.String(), nil
}

// templates are the parsed templates of the specs run (text ->
// *template.Template): every request renders its path and query, and
// parsing costs more than executing. A template is safe to execute
// concurrently.
var templates sync.Map

func parsedTemplate(tmpl string) (*template.Template, error) {
	if t, ok := templates.Load(tmpl); ok {
		return t.(*template.Template), nil
	}
	t, err := parseTemplate(tmpl)
	if err != nil {
		return nil, err
	}
	templates.Store(tmpl, t)
	return t, nil
}

// formatWindowTime renders t in the window's format.
func formatWindowTime(w *Window, t time.Time) string {
	if w == nil {
		return ""
	}
	switch w.Format {
	case "":
		return t.UTC().Format(time.RFC3339)
	case "unix":
		return strconv.FormatInt(t.Unix(), 10)
	case "unix_ms":
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return t.UTC().Format(w.Format)
}

// pageState is where pagination stands for the next request.
type pageState struct {
	page    int
	offset  int
	cursor  string
	nextURL string // next_url and link_header: the whole next URL
}

// buildURL renders the first-page or token URL of a window's page.
func (r *runner) buildURL(ep *Endpoint, u unit, ps pageState) (*url.URL, error) {
	if ps.nextURL != "" {
		next, err := url.Parse(ps.nextURL)
		if err != nil {
			return nil, fmt.Errorf("next page URL %q: %v", ps.nextURL, err)
		}
		if !next.IsAbs() {
			next = r.base.ResolveReference(next)
		}
		// Credentials go only to the partner's own host.
		if next.Scheme != r.base.Scheme || next.Host != r.base.Host {
			return nil, fmt.Errorf("next page URL points to %s://%s, not to the source's host %s; refusing to send credentials there", next.Scheme, next.Host, r.base.Host)
		}
		return next, nil
	}
	d := r.tmplData(ep, u, ps)
	p, err := render(ep.Path, d)
	if err != nil {
		return nil, fmt.Errorf("path: %v", err)
	}
	full := strings.TrimSuffix(r.base.String(), "/") + "/" + strings.TrimPrefix(p, "/")
	out, err := url.Parse(full)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %v", full, err)
	}
	q := out.Query()
	keys := make([]string, 0, len(ep.Query))
	for k := range ep.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := render(ep.Query[k], d)
		if err != nil {
			return nil, fmt.Errorf("query %s: %v", k, err)
		}
		if v != "" { // empty values (a cursor on the first page) are left out
			q.Set(k, v)
		}
	}
	if pg := ep.Pagination; pg != nil {
		switch pg.Type {
		case "page":
			if pg.PageParam != "" {
				q.Set(pg.PageParam, strconv.Itoa(ps.page))
			}
			if pg.SizeParam != "" && pg.Size > 0 {
				q.Set(pg.SizeParam, strconv.Itoa(pg.Size))
			}
		case "offset":
			q.Set(orDefault(pg.OffsetParam, "offset"), strconv.Itoa(ps.offset))
			q.Set(orDefault(pg.SizeParam, "limit"), strconv.Itoa(pg.Size))
		case "cursor":
			if pg.CursorParam != "" && ps.cursor != "" {
				q.Set(pg.CursorParam, ps.cursor)
			}
		}
	}
	out.RawQuery = q.Encode()
	return out, nil
}

func (r *runner) tmplData(ep *Endpoint, u unit, ps pageState) tmplData {
	d := tmplData{
		Source:    r.spec.Name,
		Endpoint:  ep.Name,
		Account:   accountData(u.account),
		StartTime: u.start,
		EndTime:   u.end,
		Page:      ps.page,
		Offset:    ps.offset,
		Cursor:    ps.cursor,
	}
	if pg := ep.Pagination; pg != nil {
		d.PageSize, d.Limit = pg.Size, pg.Size
	}
	if w := ep.Window; w != nil {
		d.Start = formatWindowTime(w, u.start)
		end := u.end
		if w.EndInclusive {
			end = end.Add(-w.granule())
		}
		d.End = formatWindowTime(w, end)
	}
	return d
}

// newRequest builds the HTTP request of one page with headers and auth.
func (r *runner) newRequest(ep *Endpoint, u unit, target *url.URL, ps pageState) (*http.Request, error) {
	method := strings.ToUpper(orDefault(ep.Method, "GET"))
	req, err := http.NewRequest(method, target.String(), nil)
	if err != nil {
		return nil, err
	}
	d := r.tmplData(ep, u, ps)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "lakectl")
	for _, hs := range []map[string]string{r.spec.Headers, ep.Headers} {
		for k, v := range hs {
			val, err := render(v, d)
			if err != nil {
				return nil, fmt.Errorf("header %s: %v", k, err)
			}
			req.Header.Set(k, val)
		}
	}
	u.cred.apply(req)
	return req, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

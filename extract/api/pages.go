package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/lakectl/lakectl/internal/redact"
)

// fetched is the outcome of one unit: its raw pages, in order.
type fetched struct {
	u     unit
	bases []string
	pages []keptPage // the bodies and metadata, while they fit the memory bound
	inf   *inference
	err   error
}

// keptPage is a stored page still in memory, so that the transform need
// not read it back from the lake.
type keptPage struct {
	body []byte
	meta rawMeta
}

// maxKeptBytes bounds the bodies a fetch keeps in memory for its transform;
// beyond it, pages are read back from raw/.
const maxKeptBytes = 8 << 20

// fetchUnit requests the pages of one account x window in sequence. Every
// body is stored in raw/ before it is parsed; its metadata follows, marked
// last on the final page or with the error that ended the fetch.
func (r *runner) fetchUnit(ctx context.Context, ep *Endpoint, u unit) fetched {
	out := fetched{u: u, inf: newInference()}
	pg := ep.Pagination
	if pg == nil {
		pg = &Pagination{Type: "none"}
	}
	maxPages := pg.MaxPages
	if maxPages <= 0 {
		maxPages = defaultMaxPages
	}
	ps := pageState{page: pg.StartPage}
	if pg.Type == "page" && pg.StartPage == 0 {
		ps.page = 1
	}
	recordsPath := mustPath(ep.RecordsPath)
	seenTokens := map[string]bool{}
	kept := 0
	for page := 1; ; page++ {
		target, err := r.buildURL(ep, u, ps)
		if err != nil {
			out.err = fmt.Errorf("account %s window %s: %w", u.account.ID, u.start.Format(keyTime), err)
			return out
		}
		res := r.fetchSlot(ctx, ep, u, target, ps)
		if ctx.Err() != nil {
			out.err = ctx.Err()
			return out
		}
		base := rawBase(r.spec.Name, ep.Name, u.account.ID, u.start, r.runID, page)
		meta := rawMeta{
			Source: r.spec.Name, Endpoint: ep.Name, Table: ep.TableName(r.spec), Account: u.account.ID,
			WindowStart: u.start, WindowEnd: u.end, Run: r.runID, Page: page,
			Method: strings.ToUpper(orDefault(ep.Method, "GET")), URL: u.cred.safeURL(ctx, target),
			Status: res.status, Headers: selectHeaders(res.header, r.spec.RawHeaders, redact.IsSecretName),
			RequestedAt: res.requestedAt, ReceivedAt: res.receivedAt, Attempt: res.attempt,
			Bytes: int64(len(res.body)),
		}
		fail := func(err error) fetched {
			meta.Error = redact.String(ctx, err.Error())
			if res.status != 0 {
				if perr := putMeta(ctx, r.store, base, meta); perr != nil {
					err = fmt.Errorf("%v (and %v)", err, perr)
				}
			}
			out.err = fmt.Errorf("account %s window %s page %d: %w", u.account.ID, u.start.Format(keyTime), page, err)
			return out
		}
		if res.status != 0 { // a response arrived: keep it exactly as received
			if _, err := putBody(ctx, r.store, &r.zws, base, res.body); err != nil {
				out.err = err
				return out
			}
			out.bases = append(out.bases, base)
			r.stats.bytes.Add(int64(len(res.body)))
		}
		if res.err != nil {
			return fail(res.err)
		}
		body, err := decodeBody(res.body)
		if err != nil {
			return fail(err)
		}
		recs, err := recordsOf(body, recordsPath)
		if err != nil {
			return fail(err)
		}
		if err := observe(ep, out.inf, recs); err != nil {
			return fail(err)
		}
		meta.Records = len(recs)
		r.stats.records.Add(int64(len(recs)))
		next, last, why := nextPage(pg, ps, body, res.header, recs, seenTokens)
		if !last && page >= maxPages {
			last, why = true, fmt.Sprintf("max_pages %d reached", maxPages)
			r.log.Warn("pagination stopped at max_pages; raise pagination.max_pages if the window has more",
				"endpoint", ep.Name, "account", u.account.ID, "window", u.start.Format(keyTime))
		}
		if why != "" && strings.HasPrefix(why, "repeated") {
			r.log.Warn("pagination stopped: "+why, "endpoint", ep.Name, "account", u.account.ID)
		}
		meta.Last = last
		if err := putMeta(ctx, r.store, base, meta); err != nil {
			out.err = err
			return out
		}
		if kept += len(res.body); kept <= maxKeptBytes {
			out.pages = append(out.pages, keptPage{body: res.body, meta: meta})
		}
		if last {
			return out
		}
		ps = next
	}
}

// fetchSlot is fetch under the global and per-source slots.
func (r *runner) fetchSlot(ctx context.Context, ep *Endpoint, u unit, target *url.URL, ps pageState) response {
	release, err := r.acquire(ctx)
	if err != nil {
		return response{err: err}
	}
	defer release()
	return r.fetch(ctx, ep, u, target, ps)
}

// nextPage decides whether a page is the last and where the next one is.
// Every style stops on an empty page, a repeated token and max_pages.
func nextPage(pg *Pagination, ps pageState, body any, h http.Header, recs []any, seen map[string]bool) (pageState, bool, string) {
	n := len(recs)
	if pg.Type == "none" {
		return ps, true, ""
	}
	if n == 0 {
		return ps, true, "empty page"
	}
	total := func() (int, bool) {
		v, ok := mustPath(pg.TotalPath).lookup(body)
		if !ok {
			return 0, false
		}
		t, err := strconv.Atoi(scalarString(v))
		return t, err == nil
	}
	next := ps
	switch pg.Type {
	case "page":
		switch pg.Stop {
		case "short":
			if n < pg.Size {
				return ps, true, "short page"
			}
		case "total":
			if t, ok := total(); !ok || ps.page >= t {
				return ps, true, "last page by total"
			}
		}
		next.page++
	case "offset":
		switch pg.Stop {
		case "short":
			if n < pg.Size {
				return ps, true, "short page"
			}
		case "total":
			if t, ok := total(); !ok || ps.offset+pg.Size >= t {
				return ps, true, "last page by total"
			}
		}
		next.offset += pg.Size
	case "cursor":
		v, _ := mustPath(pg.CursorPath).lookup(body)
		tok := scalarString(v)
		if tok == "" {
			return ps, true, "no next cursor"
		}
		if seen[tok] {
			return ps, true, "repeated cursor " + strconv.Quote(tok)
		}
		seen[tok] = true
		next.cursor = tok
	case "next_url", "link_header":
		var link string
		if pg.Type == "next_url" {
			v, _ := mustPath(pg.NextURLPath).lookup(body)
			link = scalarString(v)
		} else {
			link = linkNext(h.Values("Link"))
		}
		if link == "" {
			return ps, true, "no next link"
		}
		if seen[link] {
			return ps, true, "repeated next link"
		}
		seen[link] = true
		next.nextURL = link
	}
	return next, false, ""
}

// linkNext returns the rel="next" target of RFC 8288 Link header values.
func linkNext(values []string) string {
	for _, v := range values {
		for _, part := range splitLinks(v) {
			part = strings.TrimSpace(part)
			if !strings.HasPrefix(part, "<") {
				continue
			}
			end := strings.Index(part, ">")
			if end < 0 {
				continue
			}
			target := part[1:end]
			for _, param := range strings.Split(part[end+1:], ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header on the commas between links (not those
// inside <...> or quotes).
func splitLinks(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			depth++
		case c == '>' && !quoted:
			depth--
		case c == ',' && depth == 0 && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

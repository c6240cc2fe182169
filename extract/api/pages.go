package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/internal/redact"
)

// fetched is the outcome of one unit: its stored pages, in order.
type fetched struct {
	u     unit
	pages []storedPage
	inf   *records.Inference
	kept  int64 // body bytes of the pages whose records are kept (the runner's budget)
	err   error
}

// storedPage is a page handed to raw/ (stored before any commit of its
// records) or found there. Its records stay in memory while they fit the
// memory bounds, so that the transform need not read the page back and
// parse it again.
type storedPage struct {
	ref  pageRef
	meta rawMeta
	recs []any
	kept bool
	rows *pageRows // recs converted by the fetcher, when a layout held them
}

// convertUnit converts the kept pages of f with lay (nil: none yet), in
// the fetcher's goroutine, so that the transform, which runs in one
// goroutine, only dedupes and writes. A page that does not convert is
// left to the transform, which reports the error in order.
func (r *runner) convertUnit(ctx context.Context, ep *Endpoint, f *fetched, lay *layout) {
	if lay == nil || !lay.holds(f.inf) {
		return
	}
	for i := range f.pages {
		p := &f.pages[i]
		if !p.kept {
			continue
		}
		pr, err := r.convertPage(ctx, ep, lay, p)
		if err != nil {
			return
		}
		// Without its records, a page converted with an older layout is
		// read back from raw/.
		p.rows, p.recs, p.kept = pr, nil, false
	}
}

// Memory bounds of the records kept for the transform, counted in body
// bytes (decoded records take a few times more): per fetch, and over
// every fetch of the runner not yet transformed. Beyond them, pages are
// read back from raw/.
const (
	maxKeptBytes      = 8 << 20
	maxKeptTotalBytes = 32 << 20
)

// fetchUnit requests the pages of one account x window in sequence. Each
// page is parsed (for its records and the next page's token) and handed to
// raw's lander as one gzip member with its metadata, marked last on the
// final page or with the error that ended the fetch. The lander stores it
// before any commit of the unit's records.
func (r *runner) fetchUnit(ctx context.Context, ep *Endpoint, raw *lander, u unit) fetched {
	out := fetched{u: u, inf: records.NewInference()}
	uf := &unitFetch{r: r, ep: ep, raw: raw, u: u, out: &out, recordsPath: mustPath(ep.RecordsPath),
		tokens: map[string]bool{}}
	uf.fetchPages(ctx)
	if out.err != nil {
		r.kept.release(out.kept)
		out.kept, out.pages = 0, nil
	}
	return out
}

// unitFetch is the fetch of one unit's pages, recorded in out.
type unitFetch struct {
	r           *runner
	ep          *Endpoint
	u           unit
	raw         *lander
	out         *fetched
	recordsPath jsonPath
	tokens      map[string]bool // cursors and links followed, to stop on a repeat
	kept        int64           // body bytes of this fetch's kept records (maxKeptBytes)
}

// fetchPages is fetchUnit's loop, recording pages and the error in out.
func (f *unitFetch) fetchPages(ctx context.Context) {
	pg := f.ep.Pagination
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
	for page := 1; ; page++ {
		next, last, err := f.fetchPage(ctx, pg, ps, page, maxPages)
		if err != nil {
			f.out.err = err
			return
		}
		if last {
			return
		}
		ps = next
	}
}

// fetchPage requests, parses and stores one page, and returns where the
// next one is, or that it was the last.
func (f *unitFetch) fetchPage(ctx context.Context, pg *Pagination, ps pageState, page, maxPages int) (pageState, bool, error) {
	r, u := f.r, f.u
	target, err := r.buildURL(f.ep, u, ps)
	if err != nil {
		return ps, false, fmt.Errorf("account %s window %s: %w", u.account.ID, u.start.Format(keyTime), err)
	}
	res := r.fetchSlot(ctx, f.ep, u, target, ps)
	if ctx.Err() != nil {
		return ps, false, ctx.Err()
	}
	meta := f.meta(ctx, page, target, res)
	if res.status != 0 {
		r.stats.bytes.Add(int64(len(res.body)))
	}
	body, recs, err := f.parse(res)
	if err != nil {
		return ps, false, f.fail(ctx, meta, res, err)
	}
	meta.Records = len(recs)
	r.stats.records.Add(int64(len(recs)))
	next, last, why := nextPage(pg, ps, body, res.header, recs, f.tokens)
	if !last && page >= maxPages {
		last, why = true, fmt.Sprintf("max_pages %d reached", maxPages)
		r.log.Warn("pagination stopped at max_pages; raise pagination.max_pages if the window has more",
			"endpoint", f.ep.Name, "account", u.account.ID, "window", u.start.Format(keyTime))
	}
	if why != "" && strings.HasPrefix(why, "repeated") {
		r.log.Warn("pagination stopped: "+why, "endpoint", f.ep.Name, "account", u.account.ID)
	}
	meta.Last = last
	ref, err := f.land(ctx, res.body, meta)
	if err != nil {
		return ps, false, err
	}
	f.keep(storedPage{ref: ref, meta: meta}, recs, int64(len(res.body)))
	return next, last, nil
}

// meta is the raw metadata of a page's response.
func (f *unitFetch) meta(ctx context.Context, page int, target *url.URL, res response) rawMeta {
	r, u := f.r, f.u
	return rawMeta{
		Source: r.spec.Name, Endpoint: f.ep.Name, Table: f.ep.TableName(r.spec), Account: u.account.ID,
		WindowStart: u.start, WindowEnd: u.end, Run: r.runID, Page: page,
		Method: strings.ToUpper(orDefault(f.ep.Method, "GET")), URL: u.cred.safeURL(ctx, target),
		Status: res.status, Headers: selectHeaders(res.header, r.spec.RawHeaders, func(v string) string { return u.cred.safeText(ctx, v) }),
		RequestedAt: res.requestedAt, ReceivedAt: res.receivedAt, Attempt: res.attempt,
		Bytes: int64(len(res.body)),
	}
}

// parse decodes a response's body and its records, adding their types to
// the fetch's.
func (f *unitFetch) parse(res response) (body any, recs []any, err error) {
	if res.err != nil {
		return nil, nil, res.err
	}
	if body, err = decodeBody(res.body); err != nil {
		return nil, nil, err
	}
	if recs, err = recordsOf(body, f.recordsPath); err != nil {
		return nil, nil, err
	}
	if err := observe(f.ep, f.out.inf, recs); err != nil {
		return nil, nil, err
	}
	return body, recs, nil
}

// fail lands a failed page's response, if one arrived, exactly as
// received, and returns the fetch's error.
func (f *unitFetch) fail(ctx context.Context, meta rawMeta, res response, err error) error {
	meta.Error = redact.String(ctx, err.Error())
	if res.status != 0 {
		if _, lerr := f.land(ctx, res.body, meta); lerr != nil {
			err = fmt.Errorf("%v (and %v)", err, lerr)
		}
	}
	return fmt.Errorf("account %s window %s page %d: %w", f.u.account.ID, f.u.start.Format(keyTime), meta.Page, err)
}

// land gzips a page with its metadata and hands it to the lander.
func (f *unitFetch) land(ctx context.Context, body []byte, meta rawMeta) (pageRef, error) {
	member, err := encodeMember(&f.r.zws, body, meta)
	if err != nil {
		return pageRef{}, fmt.Errorf("account %s window %s page %d: %w", f.u.account.ID, f.u.start.Format(keyTime), meta.Page, err)
	}
	return f.raw.add(ctx, rawDay(f.u.start), member), nil
}

// keep adds a stored page to the fetch, with its records while they fit
// the memory bounds.
func (f *unitFetch) keep(sp storedPage, recs []any, n int64) {
	if f.kept+n <= maxKeptBytes && f.r.kept.reserve(n) {
		f.kept += n
		f.out.kept += n
		sp.recs, sp.kept = recs, true
	}
	f.out.pages = append(f.out.pages, sp)
}

// keptBudget is a runner's budget of kept records: the body bytes of
// fetched pages whose records wait in memory for the transform (bounded
// by maxKeptTotalBytes).
type keptBudget struct{ n atomic.Int64 }

// reserve takes n bytes of the budget.
func (b *keptBudget) reserve(n int64) bool {
	if b.n.Add(n) > maxKeptTotalBytes {
		b.n.Add(-n)
		return false
	}
	return true
}

// release returns n bytes to the budget once their records are written.
func (b *keptBudget) release(n int64) { b.n.Add(-n) }

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
		v, ok := mustPath(pg.TotalPath).Lookup(body)
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
		v, _ := mustPath(pg.CursorPath).Lookup(body)
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
			v, _ := mustPath(pg.NextURLPath).Lookup(body)
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

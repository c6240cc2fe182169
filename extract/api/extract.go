package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/progress"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// DefaultConcurrency bounds the requests in flight over all sources.
const DefaultConcurrency = 32

// Options configure Extract.
type Options struct {
	Sources     []string  // spec paths, file:// or s3:// URLs inside the lake
	SourcesDir  string    // a folder or lake prefix: every *.json in it
	From, To    time.Time // window range override (zero: incremental from the state)
	Concurrency int       // requests in flight over all sources (default DefaultConcurrency)
	Replay      bool      // rebuild tables from raw/ only, no network
	HTTPClient  *http.Client
	Now         func() time.Time
	Logger      *slog.Logger
	Progress    progress.Reporter
	// LookupEnv reads credential variables (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
	// Timeouts bound the default client's connects and reads (zero:
	// netx's defaults); unused when HTTPClient is set.
	Timeouts netx.Timeouts
}

// Result is the run's summary (JSON snake_case, documented in docs/api-sources.md).
type Result struct {
	Sources   []SourceResult `json:"sources"`
	Requests  int64          `json:"requests"`
	Retries   int64          `json:"retries"`
	Records   int64          `json:"records"`
	Rows      int64          `json:"rows"`
	Files     int64          `json:"files"`
	Bytes     int64          `json:"bytes"`
	Errors    int            `json:"errors"`
	DurationS float64        `json:"duration_s"`
}

// SourceResult is one partner's part of the summary.
type SourceResult struct {
	Source   string   `json:"source"`
	Requests int64    `json:"requests"`
	Retries  int64    `json:"retries"`
	Records  int64    `json:"records"` // records received (extract) or read from raw/ (replay)
	Rows     int64    `json:"rows"`    // rows written to tables (new record versions)
	Files    int64    `json:"files"`
	Bytes    int64    `json:"bytes"` // response bytes received (extract) or Parquet bytes written (replay)
	Tables   []string `json:"tables"`
	Error    string   `json:"error,omitempty"`
	refused  error    // a typed refusal (partition rule change) among the errors

	causes []error // the errors behind Error, for errors.Is/As
}

// Extract runs every source spec: fetch to raw/, records to tables/. A
// bad spec stops everything before any request (*input.Error); a
// source that fails does not stop the others, and the error returned at
// the end names them while Result still holds every source's summary.
func Extract(ctx context.Context, store lake.Store, opts Options) (*Result, error) {
	t0 := time.Now()
	if redact.FromContext(ctx) == nil {
		ctx = redact.WithSecrets(ctx, &redact.Secrets{})
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = defaultClient(opts.Concurrency, opts.Timeouts)
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && !opts.From.Before(opts.To) {
		return nil, input.Errorf("%s %s is not before %s %s", input.Option("from"), opts.From.Format(time.RFC3339), input.Option("to"), opts.To.Format(time.RFC3339))
	}
	specs, err := loadSpecs(ctx, store, opts)
	if err != nil {
		return nil, err
	}
	prog := progress.OrNop(opts.Progress)
	defer prog.Done()

	global := make(chan struct{}, opts.Concurrency)
	res := &Result{Sources: make([]SourceResult, len(specs))}
	var wg sync.WaitGroup
	for i, s := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newRunner(s, store, opts, global, prog)
			res.Sources[i] = r.run(ctx)
		}()
	}
	wg.Wait()
	var failed []string
	var refused error
	for _, s := range res.Sources {
		if refused == nil {
			refused = s.refused
		}
		res.Requests += s.Requests
		res.Retries += s.Retries
		res.Records += s.Records
		res.Rows += s.Rows
		res.Files += s.Files
		res.Bytes += s.Bytes
		if s.Error != "" {
			res.Errors++
			failed = append(failed, s.Source+": "+s.Error)
		}
	}
	res.DurationS = time.Since(t0).Seconds()
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	if len(failed) > 0 {
		causes := causesOf(res.Sources)
		if refused != nil {
			causes = append(causes, refused)
		}
		return res, &sourcesError{msg: fmt.Sprintf("%d of %d sources failed: %s", len(failed), len(specs), strings.Join(failed, "; ")), causes: causes}
	}
	return res, nil
}

func defaultClient(conc int, t netx.Timeouts) *http.Client {
	tr := t.Transport()
	tr.MaxIdleConnsPerHost = conc
	tr.MaxIdleConns = 4 * conc
	return &http.Client{Transport: tr}
}

// loadSpecs reads every spec; any problem is a usage error before any work.
func loadSpecs(ctx context.Context, store lake.Store, opts Options) ([]*Spec, error) {
	paths := append([]string(nil), opts.Sources...)
	if opts.SourcesDir != "" {
		more, err := specFiles(ctx, store, opts.SourcesDir)
		if err != nil {
			return nil, err
		}
		if len(more) == 0 {
			return nil, input.Errorf("sources folder %s holds no *.json source spec", opts.SourcesDir)
		}
		paths = append(paths, more...)
	}
	if len(paths) == 0 {
		return nil, input.Errorf("no source spec given: use %s SPEC or %s DIR", input.Option("source"), input.Option("sources"))
	}
	var specs []*Spec
	names := map[string]string{}
	tables := map[string]string{}
	for _, p := range paths {
		s, err := LoadSpec(ctx, store, p)
		if err != nil {
			return nil, err
		}
		if prev, ok := names[s.Name]; ok {
			if prev == p {
				continue
			}
			return nil, input.Errorf("source %q is defined twice: in %s and in %s", s.Name, prev, p)
		}
		names[s.Name] = p
		for i := range s.Endpoints {
			t := s.Endpoints[i].TableName(s)
			if prev, ok := tables[t]; ok {
				return nil, input.Errorf("table %q is the destination of two endpoints (%s and %s)", t, prev, p)
			}
			tables[t] = p
		}
		specs = append(specs, s)
	}
	return specs, nil
}

// runner extracts one source.
type runner struct {
	spec    *Spec
	store   lake.Store
	opts    Options
	client  *http.Client
	base    *url.URL
	limiter *limiter
	retry   retryPolicy
	timeout time.Duration
	log     *slog.Logger
	global  chan struct{}
	local   chan struct{}
	stats   counters
	prog    progress.Reporter
	runID   string
	zws     sync.Pool // *gzip.Writer
	// bodyHint is the size of the last response body, to size the next.
	bodyHint atomic.Int64
	kept     keptBudget
	mu       sync.Mutex
	refused  error // the first typed refusal, for SourceResult.refused
}

// noteRefused keeps the first typed refusal of the run.
func (r *runner) noteRefused(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refused == nil {
		r.refused = err
	}
}

func newRunner(s *Spec, store lake.Store, opts Options, global chan struct{}, prog progress.Reporter) *runner {
	base, _ := url.Parse(s.BaseURL) // validated
	conc := s.Concurrency
	if conc <= 0 || conc > cap(global) {
		conc = cap(global)
	}
	timeout := s.Timeout.D()
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	return &runner{
		spec: s, store: store, opts: opts, client: opts.HTTPClient, base: base,
		limiter: newLimiter(s.RateLimit), retry: newRetryPolicy(s.Retry), timeout: timeout,
		log: opts.Logger.With("source", s.Name), global: global, local: make(chan struct{}, conc),
		prog: prog, runID: table.NewTxID(opts.Now()),
	}
}

// acquire takes a global and a per-source request slot.
func (r *runner) acquire(ctx context.Context) (func(), error) {
	select {
	case r.local <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r.global <- struct{}{}:
	case <-ctx.Done():
		<-r.local
		return nil, ctx.Err()
	}
	return func() { <-r.global; <-r.local }, nil
}

// run extracts (or replays) every endpoint of the source; endpoints run
// concurrently and share the source's slots and rate limit.
func (r *runner) run(ctx context.Context) SourceResult {
	sr := SourceResult{Source: r.spec.Name}
	var (
		mu   sync.Mutex
		errs []string
		wg   sync.WaitGroup
	)
	var accs []unitAccount
	if !r.opts.Replay {
		var err error
		if accs, err = r.accounts(ctx); err != nil {
			sr.Error = redact.String(ctx, err.Error())
			return sr
		}
	}
	for i := range r.spec.Endpoints {
		ep := &r.spec.Endpoints[i]
		sr.Tables = append(sr.Tables, ep.TableName(r.spec))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if r.opts.Replay {
				err = r.replayEndpoint(ctx, ep)
			} else {
				err = r.extractEndpoint(ctx, ep, accs)
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, ep.Name+": "+redact.String(ctx, err.Error()))
				sr.causes = append(sr.causes, err)
				mu.Unlock()
				// Debug: the command's one error line lists every failed source.
				r.log.Debug("endpoint failed", "endpoint", ep.Name, "error", redact.String(ctx, err.Error()))
			}
		}()
	}
	wg.Wait()
	sort.Strings(errs)
	sr.Error = strings.Join(errs, "; ")
	sr.refused = r.refused
	sr.Requests, sr.Retries = r.stats.requests.Load(), r.stats.retries.Load()
	sr.Records, sr.Bytes = r.stats.records.Load(), r.stats.bytes.Load()
	sr.Rows, sr.Files = r.stats.rows.Load(), r.stats.files.Load()
	if r.opts.Replay {
		sr.Bytes = r.stats.written.Load()
	}
	return sr
}

// unitAccount is an account with its resolved credential.
type unitAccount struct {
	acc  Account
	cred credential
}

// accounts resolves every account's credential (one "default" account
// when the spec lists none).
func (r *runner) accounts(ctx context.Context) ([]unitAccount, error) {
	list := r.spec.Accounts
	if len(list) == 0 {
		list = []Account{{ID: "default"}}
	}
	out := make([]unitAccount, 0, len(list))
	for _, a := range list {
		auth := r.spec.Auth
		if a.Auth != nil {
			auth = a.Auth
		}
		c, err := resolveCredential(ctx, auth, a, r.opts.LookupEnv)
		if err != nil {
			return nil, err
		}
		out = append(out, unitAccount{acc: a, cred: c})
	}
	return out, nil
}

// unit is one account x window of an endpoint: its pages are fetched in
// sequence (each page's token comes from the one before).
type unit struct {
	account Account
	cred    credential
	start   time.Time
	end     time.Time
}

// endpointTable is an endpoint's table under its extract lock, with its
// job's state: where extraction and replay start.
type endpointTable struct {
	tbl  *table.Table
	lock *table.Lock
	job  string
	st   jobState
}

// openTable takes the table's extract lock, recovers dead transactions and
// loads the job's state; release frees the lock.
func (r *runner) openTable(ctx context.Context, ep *Endpoint) (*endpointTable, error) {
	name := ep.TableName(r.spec)
	lock, err := table.AcquireLock(ctx, r.store, "extract-"+name, table.LockOptions{Command: "extract api " + r.spec.Name + " " + ep.Name, Logger: r.log})
	if err != nil {
		return nil, err
	}
	t := &endpointTable{lock: lock, job: jobName(r.spec.Name, ep.Name)}
	t.tbl, err = table.Open(r.store, name)
	if err == nil {
		_, err = t.tbl.Recover(ctx)
	}
	if err == nil {
		t.st, err = loadJobState(ctx, t.tbl, t.job)
	}
	if err != nil {
		t.release(ctx)
		return nil, err
	}
	return t, nil
}

func (t *endpointTable) release(ctx context.Context) { _ = t.lock.Release(context.WithoutCancel(ctx)) }

func loadJobState(ctx context.Context, tbl *table.Table, job string) (jobState, error) {
	var st jobState
	if err := tbl.LoadState(ctx, job, &st); err != nil && !errors.Is(err, lake.ErrNotExist) {
		return st, fmt.Errorf("load state of %s: %w", job, err)
	}
	if st.Watermarks == nil {
		st.Watermarks = map[string]time.Time{}
	}
	return st, nil
}

package iostreams

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/lakectl/lakectl/internal/progress"
)

// LogInterval is how often progress is logged when stderr is not a
// terminal, so that cron logs show life without flooding.
const LogInterval = 10 * time.Second

// Progress returns a reporter for one operation: a bar on a terminal, a
// periodic log line otherwise, nothing under -q or -o json.
func (s *IO) Progress(desc string, log *slog.Logger) progress.Reporter {
	switch {
	case s.ShowProgressBar():
		return newBar(s, desc)
	case s.Quiet || log == nil:
		return progress.Nop()
	}
	return newLogReporter(desc, log, LogInterval)
}

type bar struct {
	mu    sync.Mutex
	b     *progressbar.ProgressBar
	bytes int64
}

func newBar(s *IO, desc string) *bar {
	b := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(s.ErrOut),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(!s.NoColor),
	)
	return &bar{b: b}
}

func (p *bar) SetTotal(rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rows > 0 {
		p.b.ChangeMax64(rows)
	}
}

func (p *bar) Add(rows, bytes int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bytes += bytes
	_ = p.b.Add64(rows)
}

func (p *bar) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.b.Finish()
}

// logReporter logs rows, bytes and rate every interval.
type logReporter struct {
	desc        string
	log         *slog.Logger
	start       time.Time
	rows, bytes atomic.Int64
	total       atomic.Int64
	stop        chan struct{}
	once        sync.Once
}

func newLogReporter(desc string, log *slog.Logger, every time.Duration) *logReporter {
	r := &logReporter{desc: desc, log: log, start: time.Now(), stop: make(chan struct{})}
	go r.loop(every)
	return r
}

func (r *logReporter) loop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			rows := r.rows.Load()
			secs := time.Since(r.start).Seconds()
			attrs := []any{"rows", rows, "bytes", r.bytes.Load(), "rows_per_s", int64(float64(rows) / secs)}
			if total := r.total.Load(); total > 0 {
				attrs = append(attrs, "total_rows", total)
			}
			r.log.Info(r.desc+": progress", attrs...)
		}
	}
}

func (r *logReporter) SetTotal(rows int64)   { r.total.Store(rows) }
func (r *logReporter) Add(rows, bytes int64) { r.rows.Add(rows); r.bytes.Add(bytes) }
func (r *logReporter) Done()                 { r.once.Do(func() { close(r.stop) }) }

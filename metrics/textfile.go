package metrics

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Job is one job's outcome in a run.
type Job struct {
	Name      string
	Rows      int64
	Files     int64
	Bytes     int64
	DurationS float64
	ExitCode  int // 0 ok, 1 failed, 4 quality rule failed, 75 locked
}

// Table is a table's newest cursor value.
type Table struct {
	Name   string
	Newest time.Time
}

// family is one metric: name, help, type and the label that keys it.
type family struct {
	name, help string
	counter    bool
	label      string // job or table
}

// The metrics, by Prometheus naming conventions: counters end in _total,
// times are Unix seconds (_timestamp_seconds), durations _seconds. One
// definition a line: the lines are alike because they are a table.
var (
	runsTotal     = family{"lakectl_job_runs_total", "Runs of the job.", true, "job"}
	failuresTotal = family{"lakectl_job_failures_total", "Runs of the job that did not succeed (exit code not 0).", true, "job"}
	rowsTotal     = family{"lakectl_job_rows_total", "Rows the job has processed, over all runs.", true, "job"}
	filesTotal    = family{"lakectl_job_files_total", "Files the job has written or read, over all runs.", true, "job"}
	bytesTotal    = family{"lakectl_job_bytes_total", "Bytes the job has processed, over all runs.", true, "job"}
	lastRows      = family{"lakectl_job_last_run_rows", "Rows of the job's last run.", false, "job"}
	duration      = family{"lakectl_job_duration_seconds", "Duration of the job's last run.", false, "job"}
	exitCode      = family{"lakectl_job_exit_code", "Exit code of the job's last run (0 ok, 1 failed, 4 quality rule failed, 75 locked).", false, "job"}
	lastRun       = family{"lakectl_job_last_run_timestamp_seconds", "When the job last ran.", false, "job"}
	lastSuccess   = family{"lakectl_last_success_timestamp_seconds", "When the job last succeeded.", false, "job"}
	newest        = family{"lakectl_table_newest_cursor_timestamp_seconds", "Newest cursor value among the table's checked rows.", false, "table"}
	freshness     = family{"lakectl_table_freshness_seconds", "Age of the table's newest cursor value when the file was written.", false, "table"}

	families = []family{runsTotal, failuresTotal, rowsTotal, filesTotal, bytesTotal, lastRows, duration, exitCode, lastRun, lastSuccess, newest, freshness}
)

// values holds every series: family name -> label value -> value.
type values map[string]map[string]float64

func (v values) set(f family, key string, x float64) {
	if v[f.name] == nil {
		v[f.name] = map[string]float64{}
	}
	v[f.name][key] = x
}

func (v values) add(f family, key string, x float64) { v.set(f, key, v[f.name][key]+x) }

// WriteTextfile folds one run's jobs and tables into the metrics of the
// file at path (if any) and replaces the file atomically.
func WriteTextfile(path string, jobs []Job, tables []Table, now time.Time) error {
	v, err := read(path)
	if err != nil {
		return err
	}
	ts := float64(now.UnixMilli()) / 1000
	for _, j := range jobs {
		v.add(runsTotal, j.Name, 1)
		v.add(rowsTotal, j.Name, float64(j.Rows))
		v.add(filesTotal, j.Name, float64(j.Files))
		v.add(bytesTotal, j.Name, float64(j.Bytes))
		v.add(failuresTotal, j.Name, 0)
		if j.ExitCode != 0 {
			v.add(failuresTotal, j.Name, 1)
		} else {
			v.set(lastSuccess, j.Name, ts)
		}
		v.set(lastRows, j.Name, float64(j.Rows))
		v.set(duration, j.Name, j.DurationS)
		v.set(exitCode, j.Name, float64(j.ExitCode))
		v.set(lastRun, j.Name, ts)
	}
	for _, t := range tables {
		v.set(newest, t.Name, float64(t.Newest.UnixMilli())/1000)
		v.set(freshness, t.Name, now.Sub(t.Newest).Seconds())
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(collector(v)); err != nil {
		return err
	}
	if err := prometheus.WriteToTextfile(path, reg); err != nil {
		return fmt.Errorf("write metrics %s: %w", path, err)
	}
	return nil
}

// read parses the previous file's series of lakectl's families; a missing
// file is an empty start.
func read(path string) (values, error) {
	v := values{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return v, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read metrics %s: %w", path, err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		return nil, fmt.Errorf("read metrics %s: %w (remove the file to start afresh)", path, err)
	}
	for _, fam := range families {
		mf := mfs[fam.name]
		if mf == nil {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != fam.label {
					continue
				}
				x := m.GetGauge().GetValue()
				if fam.counter {
					x = m.GetCounter().GetValue()
				}
				v.set(fam, l.GetValue(), x)
			}
		}
	}
	return v, nil
}

// collector emits the series as constant metrics, in a stable order.
type collector values

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range families {
		ch <- desc(f)
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	for _, f := range families {
		keys := make([]string, 0, len(c[f.name]))
		for k := range c[f.name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t := prometheus.GaugeValue
		if f.counter {
			t = prometheus.CounterValue
		}
		for _, k := range keys {
			ch <- prometheus.MustNewConstMetric(desc(f), t, c[f.name][k], k)
		}
	}
}

func desc(f family) *prometheus.Desc {
	return prometheus.NewDesc(f.name, f.help, []string{f.label}, nil)
}

package metrics

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parse reads the textfile back with Prometheus' own parser:
// family -> label value -> value.
func parse(t *testing.T, path string) (map[string]map[string]float64, map[string]dto.MetricType) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(f)
	if err != nil {
		t.Fatal(err)
	}
	out, types := map[string]map[string]float64{}, map[string]dto.MetricType{}
	for name, mf := range mfs {
		types[name] = mf.GetType()
		out[name] = map[string]float64{}
		for _, m := range mf.GetMetric() {
			x := m.GetGauge().GetValue() + m.GetCounter().GetValue()
			out[name][m.GetLabel()[0].GetValue()] = x
		}
	}
	return out, types
}

func TestTextfileCarriesCountersAndLastSuccessAcrossRuns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lakectl.prom")
	t1 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if err := WriteTextfile(path, []Job{
		{Name: "orders", Rows: 100, Files: 2, Bytes: 4096, DurationS: 1.5},
		{Name: "quality", ExitCode: 4},
	}, []Table{{Name: "orders", Newest: t1.Add(-10 * time.Minute)}}, t1); err != nil {
		t.Fatal(err)
	}
	t2 := t1.Add(5 * time.Minute)
	if err := WriteTextfile(path, []Job{{Name: "orders", Rows: 50, Files: 1, Bytes: 1024, ExitCode: 1, DurationS: 0.5}}, nil, t2); err != nil {
		t.Fatal(err)
	}
	got, types := parse(t, path)
	checks := []struct {
		family, label string
		want          float64
	}{
		{"lakectl_job_rows_total", "orders", 150},
		{"lakectl_job_files_total", "orders", 3},
		{"lakectl_job_bytes_total", "orders", 5120},
		{"lakectl_job_runs_total", "orders", 2},
		{"lakectl_job_failures_total", "orders", 1},
		{"lakectl_job_last_run_rows", "orders", 50},
		{"lakectl_job_exit_code", "orders", 1},
		{"lakectl_job_duration_seconds", "orders", 0.5},
		{"lakectl_last_success_timestamp_seconds", "orders", float64(t1.Unix())}, // the failed run kept it
		{"lakectl_job_last_run_timestamp_seconds", "orders", float64(t2.Unix())},
		{"lakectl_job_exit_code", "quality", 4}, // not run the second time: kept
		{"lakectl_table_newest_cursor_timestamp_seconds", "orders", float64(t1.Add(-10 * time.Minute).Unix())},
		{"lakectl_table_freshness_seconds", "orders", 600},
	}
	for _, c := range checks {
		if g := got[c.family][c.label]; g != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.family, c.label, g, c.want)
		}
	}
	if types["lakectl_job_rows_total"] != dto.MetricType_COUNTER || types["lakectl_job_exit_code"] != dto.MetricType_GAUGE {
		t.Errorf("types: %v", types)
	}
	if _, ok := got["lakectl_last_success_timestamp_seconds"]["quality"]; ok {
		t.Error("a job that never succeeded has a last success")
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}

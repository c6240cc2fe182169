package pipeline

// Statuses of a job in a report.
const (
	StatusOK            = "ok"
	StatusFailed        = "failed"
	StatusLocked        = "locked"         // another run holds the job's lock
	StatusPlanned       = "planned"        // a dry run's job
	StatusQualityFailed = "quality_failed" // a check job's error rule failed
	StatusSkipped       = "skipped"        // held back by a failed check
)

// JobResult is one job of a run.
type JobResult struct {
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Status    string  `json:"status"` // ok, failed, locked, planned, quality_failed, skipped
	Rows      int64   `json:"rows"`
	Files     int64   `json:"files"`
	Bytes     int64   `json:"bytes"`
	DurationS float64 `json:"duration_s"`
	Error     string  `json:"error,omitempty"`
	Result    any     `json:"result,omitempty"` // the job's own result
}

// RunResult is the report of one run of the jobs.
type RunResult struct {
	Jobs      []JobResult `json:"jobs"`
	Rows      int64       `json:"rows"`
	Files     int64       `json:"files"`
	Bytes     int64       `json:"bytes"`
	Failed    int         `json:"failed"`
	Locked    int         `json:"locked"`
	DryRun    bool        `json:"dry_run,omitempty"`
	DurationS float64     `json:"duration_s"`

	// QualityFailed counts check jobs whose error rules failed.
	QualityFailed int `json:"quality_failed"`
}

// EveryResult is the report of jobs run again and again until stopped:
// one document however many cycles ran.
type EveryResult struct {
	Cycles       int        `json:"cycles"`
	FailedCycles int        `json:"failed_cycles"` // cycles with a failed job
	Rows         int64      `json:"rows"`
	Files        int64      `json:"files"`
	Bytes        int64      `json:"bytes"`
	EveryS       float64    `json:"every_s"`
	DurationS    float64    `json:"duration_s"`
	Last         *RunResult `json:"last,omitempty"` // the last cycle's jobs
}

// add counts a job into the run's totals.
func (r *RunResult) add(jr JobResult) {
	switch jr.Status {
	case StatusQualityFailed:
		r.QualityFailed++
	case StatusFailed:
		r.Failed++
	case StatusLocked:
		r.Locked++
	}
	r.Rows, r.Files, r.Bytes = r.Rows+jr.Rows, r.Files+jr.Files, r.Bytes+jr.Bytes
	r.Jobs = append(r.Jobs, jr)
}

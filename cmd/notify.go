package cmd

import (
	"context"
	"errors"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/metrics"
	"github.com/lakectl/lakectl/notify"
	"github.com/lakectl/lakectl/quality"
)

// addNotifyTargets appends the --notify targets (else LAKECTL_NOTIFY's,
// comma-separated) to the config's notify: list and checks them all.
func addNotifyTargets(cmd *cobra.Command, cfg *config.Config) error {
	vals, _ := cmd.Flags().GetStringArray("notify")
	if len(vals) == 0 && os.Getenv("LAKECTL_NOTIFY") != "" {
		vals = strings.Split(os.Getenv("LAKECTL_NOTIFY"), ",")
	}
	for _, v := range vals {
		v = strings.TrimSpace(v)
		switch {
		case strings.HasPrefix(v, "http://"), strings.HasPrefix(v, "https://"):
			cfg.Notify = append(cfg.Notify, config.NotifyTarget{Webhook: v})
		case strings.HasPrefix(v, "arn:"):
			cfg.Notify = append(cfg.Notify, config.NotifyTarget{SNS: v})
		default:
			return input.Errorf("--notify %q is neither a webhook URL (https://...) nor an SNS topic ARN (arn:aws:sns:...)", redact.Patterns(v))
		}
	}
	_, err := notify.New(nil, notifyTargets(cfg), notify.Options{})
	var te *notify.TargetError
	if errors.As(err, &te) {
		return input.Errorf("%v; fix the config file's notify: list or --notify", err)
	}
	return err
}

func notifyTargets(cfg *config.Config) []notify.Target {
	out := make([]notify.Target, len(cfg.Notify))
	for i, t := range cfg.Notify {
		out[i] = notify.Target{Webhook: t.Webhook, SNS: t.SNS, On: t.On}
	}
	return out
}

// notifyOptions bound delivery (defaults: 30s connect, 5m answer, 3
// attempts); the global timeouts are wired here.
func notifyOptions(f *Factory) notify.Options {
	t := f.Timeouts()
	return notify.Options{Logger: f.Logger(), ConnectTimeout: t.Connect, IOTimeout: t.IO}
}

// sendNotifications delivers statuses to the configured targets; it only
// logs what goes wrong.
func sendNotifications(ctx context.Context, f *Factory, statuses []notify.Status) {
	targets := notifyTargets(f.Config())
	if len(targets) == 0 || len(statuses) == 0 {
		return
	}
	store, err := f.Store(ctx)
	if err != nil {
		f.Logger().Warn("notifications not sent: lake unavailable", "error", err)
		return
	}
	n, err := notify.New(store, targets, notifyOptions(f))
	if err != nil {
		f.Logger().Warn("notifications not sent", "error", err)
		return
	}
	// An interrupted run still says why it failed, within a short bound.
	nctx := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		nctx, cancel = context.WithTimeout(nctx, 10*time.Second)
		defer cancel()
	}
	n.Notify(nctx, statuses)
}

// rerunCommand is the command line that reruns a job of `run`.
func rerunCommand(f *Factory, job string) string {
	c := "lakectl"
	if file := f.Loader.File(); file != "" {
		c += " --config " + file
	}
	return c + " run " + job
}

// jobStatuses turns a job's result into notification subjects: the job
// when it ran (failed, locked or ok) and each quality rule a check job
// evaluated.
func jobStatuses(f *Factory, j config.Job, jr JobResult) []notify.Status {
	table := strings.Join(j.Tables, ",")
	if j.Table != "" && len(j.Tables) == 0 {
		table = lakeTableName(j.Table, j.As)
	}
	ev := notify.Event{Kind: notify.Failure, Job: jr.Name, Table: table, Error: jr.Error, Command: rerunCommand(f, jr.Name)}
	var out []notify.Status
	switch jr.Status {
	case "failed":
		out = append(out, notify.Status{Key: "job:" + jr.Name, Failing: true, Event: ev})
	case "locked":
		ev.Kind = notify.Lock
		out = append(out, notify.Status{Key: "job:" + jr.Name, Failing: true, Event: ev})
	case "ok", statusQualityFailed:
		out = append(out, notify.Status{Key: "job:" + jr.Name, Event: ev})
	}
	if qr, ok := jr.Result.(*quality.Result); ok {
		out = append(out, ruleStatuses(qr, ev)...)
	}
	return out
}

func ruleStatuses(qr *quality.Result, ev notify.Event) []notify.Status {
	out := make([]notify.Status, 0, len(qr.Rules))
	for _, r := range qr.Rules {
		e := ev
		e.Kind, e.Table, e.Rule, e.Error = notify.Quality, r.Table, r.Rule, r.Observed
		out = append(out, notify.Status{Key: "rule:" + r.Table + "/" + r.Rule, Failing: r.Status == quality.StatusFail, Event: e})
	}
	return out
}

// finishRun writes the metrics of a run (not of a dry run); each job has
// notified as it ended.
func finishRun(ctx context.Context, f *Factory, res *RunResult) {
	if res.DryRun {
		return
	}
	if path := f.Config().Metrics.Textfile; path != "" {
		if err := metrics.WriteTextfile(path, jobMetrics(res), tableFreshness(ctx, f), time.Now()); err != nil {
			f.Logger().Warn("metrics not written", "error", err)
		}
	}
}

func jobMetrics(res *RunResult) []metrics.Job {
	var out []metrics.Job
	for _, jr := range res.Jobs {
		code := map[string]int{"ok": 0, "failed": 1, statusQualityFailed: 4, "locked": 75}
		c, ran := code[jr.Status]
		if !ran {
			continue // skipped or planned
		}
		out = append(out, metrics.Job{Name: jr.Name, Rows: jr.Rows, Files: jr.Files, Bytes: jr.Bytes, DurationS: jr.DurationS, ExitCode: c})
	}
	return out
}

// tableFreshness is the newest cursor value the freshness rules of each
// configured table have seen, in checked rows or in the last check's.
func tableFreshness(ctx context.Context, f *Factory) []metrics.Table {
	store, err := f.Store(ctx)
	if err != nil {
		return nil
	}
	var out []metrics.Table
	for name, t := range f.Config().Tables {
		if len(t.Checks) == 0 {
			continue
		}
		st, err := quality.LoadState(ctx, store, name)
		if err != nil {
			continue
		}
		var newest time.Time
		for _, r := range st.Rules {
			for _, t := range []*time.Time{r.Newest, r.Latest} {
				if t != nil && t.After(newest) {
					newest = *t
				}
			}
		}
		if !newest.IsZero() {
			out = append(out, metrics.Table{Name: name, Newest: newest})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// notifyCommand gives any command but run (which notifies per job) what
// --notify promises: a failure, quality or lock message when it fails, a
// recovery when it succeeds after failing. Usage errors are not events.
func notifyCommand(ctx context.Context, f *Factory, cmd *cobra.Command, args []string, err error) {
	if cmd == nil || !cmd.Runnable() || clierr.Code(err) == clierr.ExitUsage {
		return
	}
	switch strings.Fields(cmd.CommandPath() + " _")[1] {
	case "run", "version", "completion", "help", "__complete", "_":
		return
	}
	if !cmd.Flags().Changed("notify") && os.Getenv("LAKECTL_NOTIFY") == "" {
		return
	}
	name := strings.TrimPrefix(strings.Join(append([]string{cmd.CommandPath()}, cmd.Flags().Args()...), " "), "lakectl ")
	ev := notify.Event{Kind: notify.Failure, Job: name, Command: "lakectl " + strings.Join(withoutNotify(args), " ")}
	var (
		locked *lake.LockedError
		bad    *clierr.QualityError
	)
	switch {
	case errors.As(err, &locked):
		ev.Kind = notify.Lock
	case errors.As(err, &bad):
		ev.Kind = notify.Quality
	}
	if err != nil {
		ev.Error = err.Error()
	}
	sendNotifications(ctx, f, []notify.Status{{Key: "command:" + name, Failing: err != nil, Event: ev}})
}

// withoutNotify is a command line without its --notify targets: a webhook
// URL carries its token in the path, so it never goes into a message.
func withoutNotify(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--notify":
			i++ // and its value
		case strings.HasPrefix(a, "--notify="):
		default:
			out = append(out, a)
		}
	}
	return out
}

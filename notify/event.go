// Package notify delivers lakectl's events (a job failing, recovering, a
// quality rule failing, a lock held) to webhooks and SNS topics, once per
// change of state: the state of what was notified lives under
// _lakectl/notify/, so a job failing every five minutes sends one failure
// and, when it succeeds again, one recovery. Delivery is bounded (timeouts,
// a few retries) and a message that cannot be sent is logged, never
// returned: notifying must not change a run's outcome. What counts as an
// event is the caller's business.
package notify

import (
	"fmt"
	"strings"
	"time"
)

// Event kinds, as the targets' on: lists name them.
const (
	Failure  = "failure"
	Recovery = "recovery"
	Quality  = "quality"
	Lock     = "lock"
)

// DefaultOn are the kinds a target receives when its on: list is empty.
var DefaultOn = []string{Failure, Recovery, Quality}

// Event is one message. The webhook body carries these fields next to
// text.
type Event struct {
	Kind    string    `json:"event"`
	Job     string    `json:"job"`
	Table   string    `json:"table,omitempty"`
	Rule    string    `json:"rule,omitempty"`
	Error   string    `json:"error,omitempty"` // the error line, or the rule's observed value
	Host    string    `json:"host"`
	Command string    `json:"command"` // what reruns the job
	Since   time.Time `json:"since,omitzero"`
	Time    time.Time `json:"time"`
}

// Text is the one-paragraph message: what, where, why, and how to rerun.
func (e Event) Text() string {
	var b strings.Builder
	subject := "job " + e.Job
	if e.Rule != "" {
		subject = fmt.Sprintf("quality rule %s on table %s (job %s)", e.Rule, e.Table, e.Job)
	} else if e.Table != "" {
		subject += " (table " + e.Table + ")"
	}
	switch e.Kind {
	case Recovery:
		fmt.Fprintf(&b, "lakectl: %s succeeds again on %s", subject, e.Host)
		if !e.Since.IsZero() {
			fmt.Fprintf(&b, " (failing since %s)", e.Since.UTC().Format(time.RFC3339))
		}
		b.WriteString(".")
	case Lock:
		fmt.Fprintf(&b, "lakectl: %s skipped on %s: %s", subject, e.Host, e.Error)
	default:
		fmt.Fprintf(&b, "lakectl: %s failed on %s: %s", subject, e.Host, e.Error)
	}
	if e.Kind != Recovery && e.Command != "" {
		fmt.Fprintf(&b, ". Rerun: %s", e.Command)
	}
	return b.String()
}

// Subject is a short title (SNS Subject: ASCII, under 100 characters).
func (e Event) Subject() string {
	s := fmt.Sprintf("lakectl %s: %s", e.Kind, e.Job)
	if e.Rule != "" {
		s += " " + e.Table + " " + e.Rule
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r >= 0x20 && r < 0x7f {
			out = append(out, r)
		}
	}
	if len(out) > 99 {
		out = out[:99]
	}
	return string(out)
}

// Status is what happened to one subject (a job, a quality rule) in this
// run. Key identifies it across runs ("job:orders-load",
// "rule:orders/not_null(id)"); Event carries the job, table, rule, error
// and command (Kind is the event a failure sends: Failure, Quality or
// Lock).
type Status struct {
	Key     string
	Failing bool
	Event   Event
}

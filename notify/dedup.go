package notify

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/table"
)

// StateKey is where the notified state lives.
const StateKey = "_lakectl/notify/state.json"

// state maps each failing subject to what was sent about it.
type state struct {
	Failing map[string]*entry `json:"failing"`
}

type entry struct {
	Kind  string          `json:"kind"`
	Since time.Time       `json:"since"`
	Sent  map[string]bool `json:"sent,omitempty"` // target ids told of the failure (and not yet of a recovery)
}

// Notify sends what changed since the last run: for a subject failing now
// and not before, its failure (Event.Kind) to every target that takes it;
// for a subject that failed before and not now, a recovery to the targets
// that were told of the failure. Targets that could not be reached are
// tried again on the next call. Errors are logged, never returned.
func (n *Notifier) Notify(ctx context.Context, statuses []Status) Report {
	var rep Report
	if len(n.targets) == 0 || len(statuses) == 0 {
		return rep
	}
	lock, err := n.lock(ctx)
	if err != nil {
		n.opts.Logger.Warn("notifications not sent this time; the next run sends them", "error", err)
		return rep
	}
	defer lock.Release(ctx)
	st := state{Failing: map[string]*entry{}}
	if err := lake.GetJSON(ctx, n.store, StateKey, &st); err != nil && !errors.Is(err, lake.ErrNotExist) {
		n.opts.Logger.Warn("notify: state unreadable; starting afresh", "state", StateKey, "error", err)
	}
	if st.Failing == nil {
		st.Failing = map[string]*entry{}
	}
	now := n.opts.Now().UTC()
	changed := false
	for _, s := range statuses {
		e := st.Failing[s.Key]
		ev := s.Event
		ev.Host, ev.Time = n.opts.Host, now
		changed = changed || s.Failing || e != nil
		switch {
		case s.Failing:
			if e == nil {
				e = &entry{Kind: ev.Kind, Since: now, Sent: map[string]bool{}}
				st.Failing[s.Key] = e
			}
			ev.Since = e.Since
			for _, t := range n.targets {
				if !e.Sent[t.id] && slices.Contains(t.on, ev.Kind) {
					e.Sent[t.id] = n.deliver(ctx, t, ev, &rep)
				}
			}
		case e != nil:
			ev.Kind, ev.Since, ev.Error = Recovery, e.Since, ""
			for _, t := range n.targets {
				if e.Sent[t.id] && (!slices.Contains(t.on, Recovery) || n.deliver(ctx, t, ev, &rep)) {
					delete(e.Sent, t.id)
				}
			}
			for id, sent := range e.Sent {
				if !sent {
					delete(e.Sent, id)
				}
			}
			if len(e.Sent) == 0 {
				delete(st.Failing, s.Key)
			}
		}
	}
	if !changed {
		return rep
	}
	if _, err := lake.PutJSON(ctx, n.store, StateKey, &st, lake.PutOptions{}); err != nil {
		n.opts.Logger.Warn("notify: state not saved; the next run may repeat messages", "state", StateKey, "error", err)
	}
	return rep
}

// deliver sends one event to one target, redacted, and reports success.
func (n *Notifier) deliver(ctx context.Context, t target, ev Event, rep *Report) bool {
	ev.Error = redact.String(ctx, ev.Error)
	ev.Command = redact.String(ctx, ev.Command)
	err := t.s.send(ctx, ev, redact.String(ctx, ev.Text()))
	if err != nil {
		rep.Failed++
		n.opts.Logger.Warn("notification not sent", "target", t.name, "event", ev.Kind, "job", ev.Job, "error", redact.String(ctx, err.Error()))
		return false
	}
	rep.Sent = append(rep.Sent, ev)
	n.opts.Logger.Info("notification sent", "target", t.name, "event", ev.Kind, "job", ev.Job)
	return true
}

// lock serializes notifiers sharing a lake (the state is read, messages
// sent, the state written), waiting a little for another run to finish.
func (n *Notifier) lock(ctx context.Context) (*table.Lock, error) {
	for attempt := 0; ; attempt++ {
		l, err := table.AcquireLock(ctx, n.store, "notify", table.LockOptions{Command: "notify", Logger: n.opts.Logger})
		if !table.IsLocked(err) || attempt >= lockAttempts {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(lockPause):
		}
	}
}

const (
	lockAttempts = 20
	lockPause    = 500 * time.Millisecond
)

package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
)

// Target is one destination: a webhook URL or an SNS topic ARN, and the
// kinds of event it receives (empty: DefaultOn).
type Target struct {
	Webhook string
	SNS     string
	On      []string
}

// TargetError is a target that cannot be used as configured.
type TargetError struct {
	Index int
	Msg   string
}

func (e *TargetError) Error() string { return fmt.Sprintf("notify[%d]: %s", e.Index, e.Msg) }

// Options bound delivery. Zero values take the defaults.
type Options struct {
	ConnectTimeout time.Duration // default 30s
	IOTimeout      time.Duration // default 5m: a whole attempt, answer included
	Attempts       int           // default 3
	Backoff        time.Duration // first pause between attempts, doubling; default 1s
	Host           string        // default os.Hostname
	Logger         *slog.Logger  // nil: discard
	Now            func() time.Time
}

func (o Options) withDefaults() Options {
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 30 * time.Second
	}
	if o.IOTimeout <= 0 {
		o.IOTimeout = 5 * time.Minute
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// sender delivers one event to one target.
type sender interface {
	send(ctx context.Context, e Event, text string) error
}

type target struct {
	id   string // a hash of the address: the state never holds a webhook's secret path
	name string // redacted, for logs
	on   []string
	s    sender
}

// Notifier sends events to its targets, deduplicated through the lake.
type Notifier struct {
	store   lake.Store
	targets []target
	opts    Options
}

// New checks the targets and returns a notifier keeping its state in store.
func New(store lake.Store, targets []Target, opts Options) (*Notifier, error) {
	opts = opts.withDefaults()
	n := &Notifier{store: store, opts: opts}
	for i, t := range targets {
		for _, k := range t.On {
			if !slices.Contains([]string{Failure, Recovery, Quality, Lock}, k) {
				return nil, &TargetError{Index: i, Msg: fmt.Sprintf("on: %q is not failure, recovery, quality or lock", k)}
			}
		}
		on := t.On
		if len(on) == 0 {
			on = DefaultOn
		}
		var (
			s    sender
			addr string
			err  error
		)
		switch {
		case t.Webhook != "" && t.SNS == "":
			addr = t.Webhook
			s, err = newWebhook(t.Webhook, opts)
		case t.SNS != "" && t.Webhook == "":
			addr = t.SNS
			s, err = newSNS(t.SNS, opts)
		default:
			err = errors.New("give exactly one of webhook: URL or sns: TOPIC_ARN")
		}
		if err != nil {
			return nil, &TargetError{Index: i, Msg: redact.Patterns(err.Error())}
		}
		sum := sha256.Sum256([]byte(addr))
		n.targets = append(n.targets, target{id: hex.EncodeToString(sum[:8]), name: targetName(addr), on: on, s: s})
	}
	return n, nil
}

// targetName is a target's address without anything that may be a secret:
// a webhook's scheme and host, an SNS topic's ARN.
func targetName(addr string) string {
	if strings.HasPrefix(addr, "arn:") {
		return addr
	}
	if i := strings.Index(addr, "://"); i >= 0 {
		rest := addr[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if j := strings.LastIndexByte(rest, '@'); j >= 0 {
			rest = rest[j+1:]
		}
		return addr[:i+3] + rest
	}
	return "webhook"
}

// Report is what Notify did.
type Report struct {
	Sent   []Event `json:"sent"`
	Failed int     `json:"failed"` // deliveries that failed after their retries
}

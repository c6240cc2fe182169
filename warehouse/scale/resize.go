package scale

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
)

// Options of one resize.
type Options struct {
	// To is the target node count (provisioned) or base RPUs (serverless).
	To int
	// Wait polls until the resize has finished (Config.Timeout bounds it).
	Wait bool
	// DryRun reads the current size and the allowed targets and changes
	// nothing.
	DryRun bool
}

// Result reports a resize, a restore or their plan.
type Result struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	From     int    `json:"from"`
	To       int    `json:"to"`
	NodeType string `json:"node_type,omitempty"`
	// Allowed are the sizes the compute may be resized to from From.
	Allowed []int `json:"allowed,omitempty"`
	// Changed says a resize was started (false: already at To).
	Changed bool `json:"changed"`
	// Waited says the resize was followed to its end; State is the
	// compute's state when the call returned.
	Waited bool   `json:"waited"`
	State  string `json:"state"`
	DryRun bool   `json:"dry_run,omitempty"`
	// Unreachable, on a dry run, says why the control plane could not be
	// asked.
	Unreachable string `json:"control_plane_unreachable,omitempty"`
	// Plan is what the resize does (dry run) or did, in words.
	Plan      []string `json:"plan,omitempty"`
	DurationS float64  `json:"duration_s"`
}

// Scale resizes the compute to opts.To. A target that the control plane
// does not allow is a usage error naming the allowed sizes; a resize that
// fails, or does not finish within Config.Timeout when waiting, is an
// error that says what to do.
func (s *Scaler) Scale(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	res := &Result{Kind: s.r.kind(), Name: s.Name(), Unit: s.r.unit(), To: opts.To, DryRun: opts.DryRun}
	defer func() { res.DurationS = time.Since(start).Seconds() }()
	if opts.To <= 0 {
		return nil, clierr.Usagef("resize %s: the target size must be positive", s.what())
	}
	cur, err := s.r.size(ctx)
	if err != nil {
		if opts.DryRun && ctx.Err() == nil {
			res.Unreachable = err.Error()
			res.Plan = []string{fmt.Sprintf("resize %s to %d %s (current size unknown: the control plane could not be asked)", s.what(), opts.To, s.r.unit())}
			return res, nil
		}
		return nil, err
	}
	res.From, res.NodeType, res.State = cur.Count, cur.NodeType, cur.State
	if res.Allowed, err = s.r.allowed(ctx, cur); err != nil {
		return nil, err
	}
	if cur.Count == opts.To {
		res.Plan = []string{fmt.Sprintf("%s is already at %d %s: nothing to do", s.what(), cur.Count, s.r.unit())}
		return res, nil
	}
	if !slices.Contains(res.Allowed, opts.To) {
		return nil, clierr.Usagef("resize %s from %d to %d %s is not allowed; allowed: %s", s.what(), cur.Count, opts.To, s.r.unit(), FormatSizes(res.Allowed))
	}
	res.Plan = []string{s.describe(cur, opts.To)}
	if opts.DryRun {
		return res, nil
	}
	// A resize still running (a previous run's, or one an interrupt left
	// behind) cannot be cancelled: wait for it before starting ours.
	if err := s.waitSettled(ctx, -1); err != nil {
		return nil, err
	}
	if cur, err = s.r.size(ctx); err != nil {
		return nil, err
	}
	res.From = cur.Count
	if cur.Count == opts.To {
		res.State = cur.State
		return res, nil
	}
	s.log.Info("resizing", "compute", s.what(), "from", cur.Count, "to", opts.To, "unit", s.r.unit())
	if err := s.r.start(ctx, cur, opts.To); err != nil {
		return nil, err
	}
	res.Changed = true
	res.State = "resizing"
	if !opts.Wait {
		return res, nil
	}
	if err := s.waitSettled(ctx, opts.To); err != nil {
		return nil, err
	}
	res.Waited = true
	if now, err := s.r.size(ctx); err == nil {
		res.State = now.State
	}
	s.log.Info("resized", "compute", s.what(), "to", opts.To, "unit", s.r.unit())
	return res, nil
}

func (s *Scaler) describe(cur Size, to int) string {
	if s.r.kind() == Provisioned {
		return fmt.Sprintf("elastic resize of %s from %d to %d %s nodes (ResizeCluster Classic=false), then poll DescribeResize until SUCCEEDED: minutes, with a few minutes of paused queries", s.what(), cur.Count, to, cur.NodeType)
	}
	return fmt.Sprintf("set the base capacity of %s from %d to %d RPUs (UpdateWorkgroup), then poll GetWorkgroup until AVAILABLE", s.what(), cur.Count, to)
}

// waitSettled polls until the compute is idle (at size to, when to > 0).
func (s *Scaler) waitSettled(ctx context.Context, to int) error {
	deadline := time.Now().Add(s.cfg.Timeout)
	for {
		done, state, err := s.r.settled(ctx, to)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("resize of %s still %s after %s; a resize cannot be cancelled: check it with `lakectl warehouse status` and rerun when it has finished", s.what(), strings.ToLower(state), s.cfg.Timeout)
		}
		s.log.Debug("waiting for resize", "compute", s.what(), "state", state)
		t := time.NewTimer(s.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for resize of %s: %w", s.what(), ctx.Err())
		case <-t.C:
		}
	}
}

// FormatSizes renders sizes compactly: "2, 4, 6" or "8..512 step 8".
func FormatSizes(sizes []int) string {
	if len(sizes) == 0 {
		return "none"
	}
	if len(sizes) > 4 {
		step := sizes[1] - sizes[0]
		even := step > 0
		for i := 2; i < len(sizes) && even; i++ {
			even = sizes[i]-sizes[i-1] == step
		}
		if even {
			return fmt.Sprintf("%d..%d step %d", sizes[0], sizes[len(sizes)-1], step)
		}
	}
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// errResizeFailed marks a resize the control plane reported as failed.
var errResizeFailed = errors.New("resize failed")

package scale

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/input"
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
	// Restore says To is a size the compute had: it is never refused here
	// (allowed sizes differ by region and change), only by the service.
	Restore bool
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
// error that says what to do. A resize already running is waited for
// first: until it ends, the compute reports its old size.
func (s *Scaler) Scale(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	res := &Result{Kind: s.r.kind(), Name: s.Name(), Unit: s.r.unit(), To: opts.To, DryRun: opts.DryRun}
	defer func() { res.DurationS = time.Since(start).Seconds() }()
	if opts.To <= 0 {
		return nil, input.Errorf("resize %s: the target size must be positive", s.what())
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
	if !opts.Restore && cur.Count != opts.To && !slices.Contains(res.Allowed, opts.To) {
		return nil, input.Errorf("resize %s from %d to %d %s is not allowed; allowed: %s", s.what(), cur.Count, opts.To, s.r.unit(), FormatSizes(res.Allowed))
	}
	if opts.DryRun {
		res.Plan = []string{s.describe(cur, opts.To)}
		return res, nil
	}
	// A resize still running (a previous run's, one an interrupt left
	// behind, one being cancelled) cannot be stopped and hides the size it
	// goes to: wait for it to end, then decide from the size it left.
	if err := s.waitSettled(ctx, -1); err != nil {
		return nil, err
	}
	if cur, err = s.r.size(ctx); err != nil {
		return nil, err
	}
	res.From, res.State = cur.Count, cur.State
	res.Plan = []string{s.describe(cur, opts.To)}
	if cur.Count == opts.To {
		return res, nil
	}
	return s.resize(ctx, cur, opts, res)
}

// resize starts the resize from cur and, with opts.Wait, follows it.
func (s *Scaler) resize(ctx context.Context, cur Size, opts Options, res *Result) (*Result, error) {
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
	if cur.Count == to {
		return fmt.Sprintf("%s is already at %d %s: nothing to do", s.what(), cur.Count, s.r.unit())
	}
	if s.r.kind() == Provisioned {
		return fmt.Sprintf("elastic resize of %s from %d to %d %s nodes (ResizeCluster Classic=false), then poll DescribeResize until SUCCEEDED: minutes, with a few minutes of paused queries", s.what(), cur.Count, to, cur.NodeType)
	}
	return fmt.Sprintf("set the base capacity of %s from %d to %d RPUs (UpdateWorkgroup), then poll GetWorkgroup until AVAILABLE", s.what(), cur.Count, to)
}

// maxPollErrors bounds how many polls in a row may fail (after the SDK's
// own retries) before a wait gives up: a 5xx or a dropped connection in
// an hour of polling is not the end of a resize.
const maxPollErrors = 5

// waitSettled polls until the compute is idle (at size to, when to > 0).
func (s *Scaler) waitSettled(ctx context.Context, to int) error {
	deadline := time.Now().Add(s.cfg.Timeout)
	errs := 0
	for {
		done, state, err := s.r.settled(ctx, to)
		switch {
		case err != nil && (ctx.Err() != nil || !transient(err)):
			return err
		case err != nil && errs+1 >= maxPollErrors:
			return &UnsettledError{cause: cause{Err: err, msg: fmt.Sprintf("follow resize of %s: %d polls in a row failed, the last: %v; the resize may still be running", s.what(), errs+1, err)}}
		case err != nil:
			errs++
			state = "unknown"
			s.log.Warn("resize poll failed; retrying", "compute", s.what(), "attempt", errs, "err", err)
		case done:
			return nil
		default:
			errs = 0
		}
		if time.Now().After(deadline) {
			return &UnsettledError{TimedOut: true, cause: cause{msg: fmt.Sprintf("resize of %s still %s after %s; a resize cannot be cancelled", s.what(), strings.ToLower(state), s.cfg.Timeout)}}
		}
		s.log.Debug("waiting for resize", "compute", s.what(), "state", state)
		t := time.NewTimer(min(s.cfg.PollInterval<<errs, max(s.cfg.PollInterval, 5*time.Minute)))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("wait for resize of %s: %w", s.what(), ctx.Err())
		case <-t.C:
		}
	}
}

// transient says whether a poll's error may pass: server errors (5xx),
// throttling, and no answer at all (network). Client errors (access
// denied, not found), a failed resize and cancellation are final.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errResizeFailed) {
		return false
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return true
	}
	if code := re.HTTPStatusCode(); code >= 500 || code == 429 {
		return true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
			return true
		}
	}
	return false
}

// FormatSizes renders sizes compactly: "2, 4, 6", or runs of five or
// more evenly spaced sizes as "8..512 step 8".
func FormatSizes(sizes []int) string {
	if len(sizes) == 0 {
		return "none"
	}
	var parts []string
	for i := 0; i < len(sizes); {
		j := i + 1
		if j < len(sizes) {
			step := sizes[j] - sizes[i]
			for j+1 < len(sizes) && sizes[j+1]-sizes[j] == step {
				j++
			}
			if j-i+1 >= 5 {
				parts = append(parts, fmt.Sprintf("%d..%d step %d", sizes[i], sizes[j], step))
				i = j + 1
				continue
			}
		}
		parts = append(parts, strconv.Itoa(sizes[i]))
		i++
	}
	return strings.Join(parts, ", ")
}

// errResizeFailed marks a resize the control plane reported as failed.
var errResizeFailed = errors.New("resize failed")

// Package scale resizes the Redshift compute behind a warehouse: a
// provisioned cluster's node count (elastic resize, checked against
// DescribeNodeConfigurationOptions first, followed with DescribeResize) or
// a serverless workgroup's base capacity in RPUs (UpdateWorkgroup, followed
// with GetWorkgroup). The SDK's default configuration applies, so
// AWS_ENDPOINT_URL_REDSHIFT and AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS point
// it elsewhere.
//
// Temporarily (and Reprocess, built on it) resizes around a piece of work
// and always restores the original size; the original is recorded in the
// lake first (_lakectl/scale/<name>.json) so that a killed run's next
// command, or Restore, puts it back.
package scale

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// Kinds of Redshift compute.
const (
	Provisioned = "provisioned"
	Serverless  = "serverless"
)

// Serverless base capacity (RPUs): 4, 8 to 512 in steps of 8, and in
// some regions up to 1024 in steps of 32
// (https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html).
// The values differ by region and change over time, so these only catch
// typos; the service has the last word, and a restore to the size a
// workgroup had is never refused here.
const (
	MinRPU      = 4
	MaxRPU      = 1024
	maxRPUStep8 = 512
)

// Defaults of Config.
const (
	DefaultPollInterval   = 30 * time.Second
	DefaultTimeout        = 2 * time.Hour
	DefaultRestoreTimeout = 2 * time.Hour
)

// Config says which compute to scale and how to wait for it.
type Config struct {
	// Cluster or Workgroup (exactly one) names the compute.
	Cluster   string
	Workgroup string
	// Timeouts bound each control-plane request: an endpoint that accepts
	// and never answers fails instead of hanging (zero: netx defaults).
	Timeouts netx.Timeouts
	// PollInterval is the pause between DescribeResize / GetWorkgroup polls.
	PollInterval time.Duration
	// Timeout bounds one wait for a resize to finish.
	Timeout time.Duration
	// RestoreTimeout bounds restoring the original size after the work
	// (which runs on a fresh context, so an interrupt does not stop it).
	RestoreTimeout time.Duration
	// MaxBackoff caps the SDK's retry backoff (throttling); 0 keeps the
	// SDK's default.
	MaxBackoff time.Duration
	// AWS is the SDK configuration; nil loads the default chain.
	AWS    *aws.Config
	Logger *slog.Logger
}

// Size is the compute's current size.
type Size struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	// Count is the node count (provisioned) or base RPUs (serverless).
	Count    int    `json:"count"`
	Unit     string `json:"unit"`
	NodeType string `json:"node_type,omitempty"`
	// State is the cluster status (available, resizing, ...) or the
	// workgroup status (AVAILABLE, MODIFYING, ...).
	State string `json:"state"`
	// Resize is the status of the latest resize (provisioned).
	Resize string `json:"resize,omitempty"`
}

// Scaler talks to one cluster or workgroup.
type Scaler struct {
	cfg Config
	r   resizer
	log *slog.Logger
}

// resizer is one kind of compute's control plane.
type resizer interface {
	kind() string
	unit() string
	size(ctx context.Context) (Size, error)
	// allowed lists the sizes a resize may go to from cur.
	allowed(ctx context.Context, cur Size) ([]int, error)
	start(ctx context.Context, cur Size, to int) error
	// settled says whether the compute is idle at size to (to < 0: at any
	// size); failed resizes are errors.
	settled(ctx context.Context, to int) (bool, string, error)
}

// New builds a Scaler; it makes no call yet.
func New(ctx context.Context, cfg Config) (*Scaler, error) {
	switch {
	case cfg.Cluster == "" && cfg.Workgroup == "":
		return nil, input.Errorf("scaling needs a Redshift cluster or serverless workgroup: %s ID or %s NAME (or cluster= / workgroup= in the redshift:// URL)", input.Option("cluster"), input.Option("workgroup"))
	case cfg.Cluster != "" && cfg.Workgroup != "":
		return nil, input.Errorf("give %s or %s, not both", input.Option("cluster"), input.Option("workgroup"))
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RestoreTimeout <= 0 {
		cfg.RestoreTimeout = DefaultRestoreTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var awsCfg aws.Config
	if cfg.AWS != nil {
		awsCfg = cfg.AWS.Copy()
	} else {
		c, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		awsCfg = c
		awsCfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(cfg.Timeouts.Apply)
	}
	if cfg.MaxBackoff > 0 {
		awsCfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = cfg.MaxBackoff })
		}
	}
	s := &Scaler{cfg: cfg, log: log}
	if cfg.Cluster != "" {
		s.r = &cluster{id: cfg.Cluster, c: redshift.NewFromConfig(awsCfg)}
	} else {
		s.r = &workgroup{name: cfg.Workgroup, c: redshiftserverless.NewFromConfig(awsCfg)}
	}
	return s, nil
}

// ConfigFor fills cfg's Cluster/Workgroup from a warehouse when neither is
// set: the compute a Scalable warehouse names (a redshift:// URL's
// cluster= or workgroup=). A warehouse without the ability, with neither
// named, is bad input.
func ConfigFor(wh driver.Warehouse, cfg Config) (Config, error) {
	if cfg.Cluster != "" || cfg.Workgroup != "" {
		return cfg, nil
	}
	sc, ok := AsScalable(wh)
	if !ok {
		return cfg, input.Errorf("warehouse %s is %s: scaling resizes Redshift only (use a redshift:// warehouse with cluster=ID or workgroup=NAME, or name it with %s / %s)", wh.String(), wh.Dialect(), input.Option("cluster"), input.Option("workgroup"))
	}
	cfg.Cluster, cfg.Workgroup = sc.ScaleTarget()
	if cfg.Cluster == "" && cfg.Workgroup == "" {
		return cfg, input.Errorf("warehouse %s names no cluster: add cluster=ID (or workgroup=NAME) to the URL, or pass %s / %s", wh.String(), input.Option("cluster"), input.Option("workgroup"))
	}
	return cfg, nil
}

// Name is the cluster identifier or workgroup name.
func (s *Scaler) Name() string {
	if s.cfg.Cluster != "" {
		return s.cfg.Cluster
	}
	return s.cfg.Workgroup
}

// Kind is Provisioned or Serverless.
func (s *Scaler) Kind() string { return s.r.kind() }

// Unit is "nodes" or "rpu".
func (s *Scaler) Unit() string { return s.r.unit() }

// Size reads the current size and state.
func (s *Scaler) Size(ctx context.Context) (*Size, error) {
	sz, err := s.r.size(ctx)
	if err != nil {
		return nil, err
	}
	return &sz, nil
}

// what names the compute in messages: "cluster analytics".
func (s *Scaler) what() string {
	if s.cfg.Cluster != "" {
		return "cluster " + s.cfg.Cluster
	}
	return "workgroup " + s.cfg.Workgroup
}

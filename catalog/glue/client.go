package glue

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/glue"
)

// Network defaults, as SPEC gives them for every network dependency.
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultIOTimeout      = 5 * time.Minute
)

// API is the part of the Glue client that publishing uses; *glue.Client
// satisfies it.
type API interface {
	GetDatabase(context.Context, *glue.GetDatabaseInput, ...func(*glue.Options)) (*glue.GetDatabaseOutput, error)
	CreateDatabase(context.Context, *glue.CreateDatabaseInput, ...func(*glue.Options)) (*glue.CreateDatabaseOutput, error)
	GetTable(context.Context, *glue.GetTableInput, ...func(*glue.Options)) (*glue.GetTableOutput, error)
	CreateTable(context.Context, *glue.CreateTableInput, ...func(*glue.Options)) (*glue.CreateTableOutput, error)
	UpdateTable(context.Context, *glue.UpdateTableInput, ...func(*glue.Options)) (*glue.UpdateTableOutput, error)
	GetPartitions(context.Context, *glue.GetPartitionsInput, ...func(*glue.Options)) (*glue.GetPartitionsOutput, error)
	BatchCreatePartition(context.Context, *glue.BatchCreatePartitionInput, ...func(*glue.Options)) (*glue.BatchCreatePartitionOutput, error)
}

// ClientOptions bound the client's network waits.
type ClientOptions struct {
	// ConnectTimeout bounds connecting (TCP and TLS); 0: 30s.
	ConnectTimeout time.Duration
	// IOTimeout fails a read that makes no progress for this long; 0: 5m.
	IOTimeout time.Duration
	// MaxBackoff caps the wait between retries of throttled or failed
	// calls (0: the SDK's 20s).
	MaxBackoff time.Duration
}

// NewClient builds a Glue client from the AWS configuration chain
// (credentials, AWS_REGION, AWS_ENDPOINT_URL_GLUE or AWS_ENDPOINT_URL).
// Throttling and 5xx answers are retried by the SDK's standard retryer.
func NewClient(ctx context.Context, opts ClientOptions) (*glue.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(httpClient(opts)))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if opts.MaxBackoff > 0 {
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = opts.MaxBackoff })
		}
	}
	return glue.NewFromConfig(cfg), nil
}

// httpClient connects within ConnectTimeout and fails a read idle for
// IOTimeout (the SDK's read timeout resets on every byte), so an endpoint
// that accepts and never answers costs a bounded time.
func httpClient(opts ClientOptions) *awshttp.BuildableClient {
	connect, idle := opts.ConnectTimeout, opts.IOTimeout
	if connect <= 0 {
		connect = DefaultConnectTimeout
	}
	if idle <= 0 {
		idle = DefaultIOTimeout
	}
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = connect }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = connect
			tr.ResponseHeaderTimeout = idle
		}).
		WithReadTimeout(idle)
}

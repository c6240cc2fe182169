package notify

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// snsTopic publishes to one SNS topic with the AWS credential chain;
// AWS_ENDPOINT_URL_SNS (or AWS_ENDPOINT_URL) is honoured by the SDK. The
// client is made on first use, so a run that sends nothing reads no
// credentials.
type snsTopic struct {
	arn    string
	region string
	opts   Options
	client *sns.Client
}

func newSNS(arn string, opts Options) (*snsTopic, error) {
	// arn:aws:sns:REGION:ACCOUNT:NAME
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[3] == "" || parts[5] == "" {
		return nil, fmt.Errorf("sns %q is not a topic ARN such as arn:aws:sns:eu-west-1:123456789012:lakectl", arn)
	}
	return &snsTopic{arn: arn, region: parts[3], opts: opts}, nil
}

func (s *snsTopic) send(ctx context.Context, e Event, text string) error {
	if s.client == nil {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(s.region), config.WithHTTPClient(sdkHTTPClient(s.opts)))
		if err != nil {
			return fmt.Errorf("sns %s: load AWS configuration: %w", s.arn, err)
		}
		// The SDK's standard retryer retries throttling and 5xx, with
		// jittered backoff, within our bound of attempts.
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = s.opts.Attempts
				o.MaxBackoff = 4 * s.opts.Backoff
			})
		}
		s.client = sns.NewFromConfig(cfg)
	}
	_, err := s.client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.arn),
		Message:  aws.String(text),
		Subject:  aws.String(e.Subject()),
	})
	if err != nil {
		return fmt.Errorf("sns publish to %s: %w", s.arn, err)
	}
	return nil
}

// sdkHTTPClient is the SDK's own client (which takes AWS_CA_BUNDLE) with
// our connect and answer bounds.
func sdkHTTPClient(opts Options) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithTimeout(opts.IOTimeout).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = opts.ConnectTimeout }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = opts.ConnectTimeout
			tr.ResponseHeaderTimeout = opts.IOTimeout
		})
}

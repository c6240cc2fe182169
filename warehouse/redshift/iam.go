package redshift

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/postgres"
)

// credentialTimeout bounds one call for temporary credentials.
const credentialTimeout = 30 * time.Second

// iamCredentials hands out temporary database credentials from the AWS
// credential chain, so cron needs no stored database password:
// GetClusterCredentials for a provisioned cluster
// (https://docs.aws.amazon.com/redshift/latest/APIReference/API_GetClusterCredentials.html),
// GetCredentials for a serverless workgroup
// (https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetCredentials.html).
// They last 15 minutes (the APIs' default); a connection opened later asks
// again. AWS_ENDPOINT_URL_REDSHIFT(_SERVERLESS) point the SDK elsewhere.
type iamCredentials struct {
	user, db, cluster, workgroup string

	mu      sync.Mutex
	dbUser  string
	pw      string
	expires time.Time
	aws     *aws.Config
}

// newIAMCredentials checks what IAM authentication needs: a user in the
// URL and the cluster or workgroup that issues the credentials.
func newIAMCredentials(cfg Config, user, db string) (*iamCredentials, error) {
	switch {
	case user == "":
		return nil, input.Errorf("warehouse URL: iam=true needs the database user: redshift://USER@HOST:5439/DB?iam=true&cluster=ID")
	case cfg.Cluster == "" && cfg.Workgroup == "":
		return nil, input.Errorf("warehouse URL: iam=true needs cluster=ID (provisioned) or workgroup=NAME (serverless) to ask for temporary credentials")
	}
	return &iamCredentials{user: user, db: db, cluster: cfg.Cluster, workgroup: cfg.Workgroup}, nil
}

// get returns credentials valid for at least another minute.
func (c *iamCredentials) get(ctx context.Context) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pw != "" && time.Until(c.expires) > time.Minute {
		return c.dbUser, c.pw, nil
	}
	ctx, cancel := context.WithTimeout(ctx, credentialTimeout)
	defer cancel()
	if c.aws == nil {
		ac, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return "", "", fmt.Errorf("iam=true: load AWS configuration: %w", err)
		}
		c.aws = &ac
	}
	var err error
	if c.cluster != "" {
		err = c.fromCluster(ctx)
	} else {
		err = c.fromWorkgroup(ctx)
	}
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", "", fmt.Errorf("iam=true: no temporary credentials within %s: %w", credentialTimeout, err)
		}
		// AWS answered (no such cluster, access denied): not a network failure.
		if _, ok := errors.AsType[smithy.APIError](err); ok {
			return "", "", fmt.Errorf("%w (%w)", err, driver.ErrLoginRefused)
		}
		return "", "", err
	}
	return c.dbUser, c.pw, nil
}

func (c *iamCredentials) fromCluster(ctx context.Context) error {
	out, err := redshift.NewFromConfig(*c.aws).GetClusterCredentials(ctx, &redshift.GetClusterCredentialsInput{
		ClusterIdentifier: aws.String(c.cluster),
		DbUser:            aws.String(c.user),
		DbName:            aws.String(c.db),
		DurationSeconds:   aws.Int32(900),
	})
	if err != nil {
		return fmt.Errorf("iam=true: GetClusterCredentials for user %s on cluster %s: %w", c.user, c.cluster, err)
	}
	c.dbUser, c.pw, c.expires = aws.ToString(out.DbUser), aws.ToString(out.DbPassword), aws.ToTime(out.Expiration)
	return nil
}

func (c *iamCredentials) fromWorkgroup(ctx context.Context) error {
	out, err := redshiftserverless.NewFromConfig(*c.aws).GetCredentials(ctx, &redshiftserverless.GetCredentialsInput{
		WorkgroupName:   aws.String(c.workgroup),
		DbName:          aws.String(c.db),
		DurationSeconds: aws.Int32(900),
	})
	if err != nil {
		return fmt.Errorf("iam=true: GetCredentials for workgroup %s: %w", c.workgroup, err)
	}
	c.dbUser, c.pw, c.expires = aws.ToString(out.DbUser), aws.ToString(out.DbPassword), aws.ToTime(out.Expiration)
	return nil
}

// useIAM makes the client log in with temporary credentials.
func useIAM(cfg Config, client *postgres.Client, user, db string) error {
	creds, err := newIAMCredentials(cfg, user, strings.TrimPrefix(db, "/"))
	if err != nil {
		return err
	}
	client.UseCredentials(creds.get)
	return nil
}

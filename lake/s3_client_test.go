package lake

import (
	"context"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyauth "github.com/aws/smithy-go/auth"
	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/internal/testenv"
)

// The cached resolver answers what the SDK's rules answer, for AWS
// (virtual-host and path style, dotted buckets, FIPS, dual-stack) and
// custom endpoints, on a miss and on a hit.
func TestCachedEndpointsMatchTheSDK(t *testing.T) {
	ctx := context.Background()
	sdk := s3.NewDefaultEndpointResolverV2()
	cached := newCachedEndpoints()
	params := []s3.EndpointParameters{
		{Bucket: aws.String("lake-bucket"), Region: aws.String("eu-west-1"), ForcePathStyle: aws.Bool(false)},
		{Bucket: aws.String("lake-bucket"), Region: aws.String("eu-west-1"), ForcePathStyle: aws.Bool(true)},
		{Bucket: aws.String("lake.dotted"), Region: aws.String("us-east-1"), ForcePathStyle: aws.Bool(false)},
		{Bucket: aws.String("lake-bucket"), Region: aws.String("us-west-2"), UseFIPS: aws.Bool(true), UseDualStack: aws.Bool(true)},
		{Bucket: aws.String("lake-bucket"), Region: aws.String("us-east-1"), Endpoint: aws.String("http://127.0.0.1:9000"), ForcePathStyle: aws.Bool(true)},
		{Bucket: aws.String("lake-bucket"), Region: aws.String("us-east-1"), Endpoint: aws.String("http://minio.internal:9000"), ForcePathStyle: aws.Bool(false)},
		{Region: aws.String("us-east-1")}, // no bucket: ListBuckets
	}
	for _, p := range params {
		p = p.WithDefaults()
		want, err := sdk.ResolveEndpoint(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, round := range []string{"miss", "hit"} {
			got, err := cached.ResolveEndpoint(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %s: cached endpoint %s %v, the SDK's %s %v", round, aws.ToString(p.Bucket), got.URI.String(), got.Properties.Values(), want.URI.String(), want.Properties.Values())
			}
			// What the SDK's auth resolver does to the options it gets.
			if opts, ok := smithyauth.GetAuthOptions(&got.Properties); ok {
				opts[0].SignerProperties.Set("mutated", true)
			}
		}
	}
	// A key or prefix does not change the endpoint.
	p := params[0].WithDefaults()
	a, _ := cached.ResolveEndpoint(ctx, p)
	p.Key, p.Prefix = aws.String("t/p=1/f.parquet"), aws.String("t/")
	b, _ := cached.ResolveEndpoint(ctx, p)
	if a.URI != b.URI {
		t.Errorf("endpoint changed with the key: %s, %s", a.URI.String(), b.URI.String())
	}
	if want := "https://lake-bucket.s3.eu-west-1.amazonaws.com"; a.URI.String() != want {
		t.Errorf("AWS endpoint %s, want %s (virtual-host style)", a.URI.String(), want)
	}
}

// Concurrent requests share the cached endpoint (run under -race).
func TestS3ConcurrentRequestsShareEndpoint(t *testing.T) {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	ctx := context.Background()
	s, err := NewS3Store(ctx, env.Bucket, "race", Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, gctx := errgroup.WithContext(ctx)
	for i := range 16 {
		g.Go(func() error {
			key := fmt.Sprintf("k%d", i)
			if _, err := s.Put(gctx, key, strings.NewReader(key), int64(len(key)), PutOptions{}); err != nil {
				return err
			}
			rc, err := s.Get(gctx, key)
			if err != nil {
				return err
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err == nil && string(b) != key {
				err = fmt.Errorf("get %s: %q", key, b)
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

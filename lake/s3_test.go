package lake_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/storetest"
)

// newS3Store opens the lake at a fresh MinIO bucket the way a user would:
// an s3:// URL, the endpoint and keys in the AWS SDK's variables.
func newS3Store(t *testing.T, prefix string, opts lake.Options) (lake.Store, testenv.S3Env) {
	t.Helper()
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	s, err := lake.Open(context.Background(), env.URL(prefix), opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, env
}

func TestS3StoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) lake.Store {
		// A small part size so that the suite's large object is multipart
		// and its download parallel.
		s, _ := newS3Store(t, "lake/root", lake.Options{PartSize: lake.MinPartSize, Concurrency: 3})
		return s
	})
}

func TestS3StoreConformanceAtBucketRoot(t *testing.T) {
	storetest.Run(t, func(t *testing.T) lake.Store {
		s, _ := newS3Store(t, "", lake.Options{S3PathStyle: true})
		return s
	})
}

// cancelAt cancels its context once n bytes have been read.
type cancelAt struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAt) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	n, err := c.r.Read(p[:min(len(p), 1<<20)])
	c.n -= n
	return n, err
}

func TestS3CancelledMultipartUploadIsAborted(t *testing.T) {
	s, env := newS3Store(t, "lake", lake.Options{PartSize: lake.MinPartSize, Concurrency: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	body := &cancelAt{r: newPattern(40 << 20), n: 16 << 20, cancel: cancel}
	if _, err := s.Put(ctx, "big.bin", body, -1, lake.PutOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled put: %v, want context.Canceled", err)
	}
	out, err := env.Client.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(env.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Uploads) != 0 {
		t.Fatalf("%d multipart uploads left in the bucket after a cancelled put, want 0 (aborted)", len(out.Uploads))
	}
}

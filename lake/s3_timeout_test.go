package lake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// An S3 endpoint that accepts and never answers costs the io timeout and
// one line naming the endpoint, not a hang and not retries.
func TestS3SilentEndpointFailsWithinIOTimeout(t *testing.T) {
	addr := testenv.SilentListener(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secretexample")
	t.Setenv("AWS_REGION", "us-east-1")
	ctx := context.Background()
	st, err := lake.Open(ctx, "s3://bucket/p", lake.Options{
		S3Endpoint: "http://" + addr, S3PathStyle: true,
		Timeouts: netx.Timeouts{Connect: time.Second, IO: 500 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = st.List(ctx, "tables/", func(lake.ObjectInfo) error { return nil })
	el := time.Since(start)
	if err == nil {
		t.Fatal("no error")
	}
	if _, ok := netx.AsTimeout(err); !ok || !strings.Contains(err.Error(), addr) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %q, want one line naming %s", err, addr)
	}
	t.Log(err)
	if el > 3*time.Second {
		t.Fatalf("took %s, want about the io timeout", el)
	}
}

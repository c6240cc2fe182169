package scale_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// A control-plane endpoint that accepts and never answers costs bounded
// time: each request fails after the io timeout, never a hang.
func TestSilentControlPlaneIsBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", "http://"+ln.Addr().String())
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := scale.New(ctx, scale.Config{Cluster: "c", Timeouts: netx.Timeouts{Connect: time.Second, IO: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = s.Size(ctx)
	if err == nil || ctx.Err() != nil || time.Since(start) > 20*time.Second {
		t.Fatalf("describe against a silent endpoint: %v after %s", err, time.Since(start))
	}
}

package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

func TestExtractRequestsOnS3(t *testing.T) {
	f := newFixture(t)
	f.exec("CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(20))",
		"INSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c')")
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	log := testenv.LogS3(t, env)
	ctx := redact.WithSecrets(context.Background(), &redact.Secrets{})
	store, err := lake.Open(ctx, env.URL("lk"), lake.Options{S3Endpoint: log.Endpoint, S3PathStyle: true, Region: env.Region})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for i := range 2 {
		before := len(log.Lines())
		if _, err := Extract(ctx, store, f.opts("t")); err != nil {
			t.Fatal(err)
		}
		t.Logf("run %d: %d requests\n%s", i+1, len(log.Lines())-before, strings.Join(log.Lines()[before:], "\n"))
	}
	t.Log(lake.Requests(store))
}

package mysql

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// TestExtractRequestsOnS3 pins the S3 requests of a full extract, the
// cost users pay for (issue 19): a first run on a fresh lake, then a run
// that replaces its file. Each request is there for exactly-once and
// kill -9 safety; see docs/architecture.md ("What a commit costs on S3").
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
	runs := []struct {
		name string
		want map[string]int64
	}{
		// lock; recovery's LIST; state; marker; the file; the live files;
		// the commit record; publish; state cache; staged copy and marker
		// (one DeleteObjects); lock.
		{"first run", map[string]int64{lake.ReqList: 2, lake.ReqGet: 1, lake.ReqPut: 5, lake.ReqHead: 0, lake.ReqDelete: 2, lake.ReqCopy: 1}},
		// and the replace's conflict check under the table's commit lock
		// (lock, markers, the old file), the old file's deletion.
		{"replacing run", map[string]int64{lake.ReqList: 3, lake.ReqGet: 1, lake.ReqPut: 6, lake.ReqHead: 1, lake.ReqDelete: 4, lake.ReqCopy: 1}},
	}
	for _, r := range runs {
		before, logged := lake.Requests(store), len(log.Lines())
		if _, err := Extract(ctx, store, f.opts("t")); err != nil {
			t.Fatal(err)
		}
		after := lake.Requests(store)
		for _, typ := range lake.RequestTypes {
			if got := after[typ] - before[typ]; got != r.want[typ] {
				t.Errorf("%s: %d %s requests, want %d; the requests:\n%s", r.name, got, typ, r.want[typ], strings.Join(log.Lines()[logged:], "\n"))
				break
			}
		}
	}
}

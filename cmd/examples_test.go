package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

// replaceOrders replaces table orders with one row per amount.
func replaceOrders(t *testing.T, store lake.Store, amounts ...int64) {
	t.Helper()
	s := schema.Schema{Columns: []schema.Column{
		{Name: "id", Type: schema.TInt64}, {Name: "status", Type: schema.TString},
		{Name: "amount", Type: schema.TInt64}, {Name: "updated_at", Type: schema.TTimestamp},
	}}
	rows := make([]schema.Row, len(amounts))
	for i, a := range amounts {
		rows[i] = schema.Row{schema.Int64Value(int64(i + 1)), schema.StringValue("paid"), schema.Int64Value(a), schema.TimestampValue(time.Now().Add(-time.Minute))}
	}
	replaceTable(t, store, "orders", "updated_at:day", s, rows)
}

// TestQualityExampleConfig runs examples/quality.yaml's check and load
// jobs: a negative amount stops the load and posts one chat message; the
// fixed data loads and posts one recovery; SNS, which takes only failure
// and recovery, hears nothing of a quality rule.
func TestQualityExampleConfig(t *testing.T) {
	dir := t.TempDir()
	sns := awsfake.StartSNS(t)
	sns.Env(t)
	sns.AddTopic("arn:aws:sns:eu-west-1:123456789012:lakectl-oncall")
	var c chat
	t.Setenv("CHAT_WEBHOOK", c.start(t))
	t.Setenv("MYSQL_DSN", "mysql://etl:secret@127.0.0.1:1/shop")
	t.Setenv("TEXTFILE_DIR", dir)
	store, err := lake.NewFileStore(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", "../examples/quality.yaml", "--lake", filepath.Join(dir, "lake"), "--warehouse", "duckdb://" + filepath.Join(dir, "wh.duckdb"), "-q", "run", "quality", "orders-load"}
	replaceOrders(t, store, 10, -5, 30)
	if code, out, errOut := run(t, args...); code != 4 || !strings.Contains(out, "skipped") {
		t.Fatalf("bad amount: exit %d: %s %s", code, out, errOut)
	}
	replaceOrders(t, store, 10, 5, 30)
	if code, out, errOut := run(t, args...); code != 0 {
		t.Fatalf("fixed: exit %d: %s %s", code, out, errOut)
	}
	msgs := c.messages()
	if len(msgs) != 2 || !strings.Contains(msgs[0], "quality rule range(amount) on table orders (job quality) failed") || !strings.Contains(msgs[1], "succeeds again") {
		t.Fatalf("chat: %q", msgs)
	}
	if len(sns.Messages()) != 0 {
		t.Fatalf("sns: %+v", sns.Messages())
	}
	if exitCodeMetric(t, filepath.Join(dir, "lakectl.prom"), "orders-load") != 0 {
		t.Fatal("orders-load exit code metric")
	}
	if _, err := os.Stat(filepath.Join(dir, "lakectl.prom")); err != nil {
		t.Fatal(err)
	}
}

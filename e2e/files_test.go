package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5"

	"github.com/lakectl/lakectl/internal/testenv"
)

// feedback lands Firehose-style objects of push-notification feedback on
// MinIO and counts what it landed per table.
type feedback struct {
	t     *testing.T
	env   testenv.S3Env
	n     int
	total map[string]int
}

func newFeedback(t *testing.T) *feedback {
	env := testenv.S3(t)
	env.SetAWSEnv(t)
	return &feedback{t: t, env: env, total: map[string]int{}}
}

// land puts one gzip'd object of n concatenated records of an event type.
func (fb *feedback) land(kind string, n int, at time.Time) {
	fb.t.Helper()
	var raw bytes.Buffer
	for range n {
		fb.n++
		fmt.Fprintf(&raw, `{"message_id":"m-%d","event":%q,"device":"d-%d","at":%q}`, fb.n, kind, fb.n%13, at.Format(time.RFC3339Nano))
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	key := fmt.Sprintf("push-feedback/%s/%s/push-%s-1-%s-%d", kind, at.UTC().Format("2006/01/02/15"), kind, at.UTC().Format("2006-01-02-15-04-05"), fb.n)
	if _, err := fb.env.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(fb.env.Bucket), Key: aws.String(key), Body: bytes.NewReader(z.Bytes())}); err != nil {
		fb.t.Fatal(err)
	}
	fb.total["push_"+kind] += n
}

// pgCount is the rows of a warehouse table (0 when it does not exist yet).
func pgCount(t *testing.T, url, tbl string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "does not exist") {
			return 0
		}
		t.Fatal(err)
	}
	return n
}

func exampleConfig(t *testing.T, fb *feedback) (*cli, string) {
	t.Helper()
	pg := testenv.Postgres(t)
	c := newCLI(t)
	t.Setenv("LAKE", filepath.Join(c.dir, "lake"))
	t.Setenv("PG_URL", pg)
	t.Setenv("LANDING", fb.env.URL("push-feedback/"))
	t.Setenv("LAKECTL_S3_PATH_STYLE", "true")
	wd, _ := os.Getwd()
	return c, filepath.Join(wd, "..", "examples", "firehose-push-feedback.yaml")
}

// The example config, run once: each event type in its table, as many
// rows in PostgreSQL as the landed objects hold; a stray key reported.
func TestFirehoseExampleLoadsIntoPostgres(t *testing.T) {
	fb := newFeedback(t)
	at := time.Date(2026, 11, 30, 14, 5, 0, 0, time.UTC)
	for i, kind := range []string{"open", "click", "delivery", "open", "click", "open"} {
		fb.land(kind, 50+i, at.Add(time.Duration(i)*time.Minute))
	}
	fb.env.Client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(fb.env.Bucket), Key: aws.String("push-feedback/processing-failed/2026/11/30/14/x"), Body: strings.NewReader("{}")})
	c, cfg := exampleConfig(t, fb)
	var res struct {
		Jobs []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Result any    `json:"result"`
		} `json:"jobs"`
	}
	c.runOK(t, &res, "--config", cfg, "-o", "json", "run")
	if len(res.Jobs) != 2 || res.Jobs[0].Result.(map[string]any)["unmatched"] != float64(1) {
		t.Fatalf("jobs %+v", res.Jobs)
	}
	for tbl, want := range fb.total {
		if got := pgCount(t, os.Getenv("PG_URL"), tbl); got != want {
			t.Errorf("%s: %d rows in PostgreSQL, %d landed", tbl, got, want)
		}
	}
}

// run --every: objects landing while it runs reach PostgreSQL; SIGTERM
// stops it with exit 0 and nothing half-done.
func TestRunEveryLoadsContinuouslyAndStopsOnSIGTERM(t *testing.T) {
	fb := newFeedback(t)
	c, cfg := exampleConfig(t, fb)
	s := c.start(t, "--config", cfg, "-o", "json", "run", "--every", "1s")
	at := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	for i := range 6 {
		fb.land([]string{"open", "click", "delivery"}[i%3], 20, at.Add(time.Duration(i)*time.Minute))
		time.Sleep(700 * time.Millisecond)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		done := true
		for tbl, want := range fb.total {
			done = done && pgCount(t, os.Getenv("PG_URL"), tbl) == want
		}
		if done {
			break
		}
		if time.Now().After(deadline) || s.exited() {
			s.kill9(t)
			t.Fatalf("rows did not reach PostgreSQL: %s", s.res)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r := s.wait(t)
	if r.code != 0 {
		t.Fatalf("exit %d after SIGTERM: %s", r.code, r)
	}
	var res struct {
		Cycles int `json:"cycles"`
		Rows   int `json:"rows"`
	}
	decodeOneJSON(t, r, &res)
	if res.Cycles < 2 || res.Rows < fb.n {
		t.Fatalf("cycles %d rows %d (landed %d): %s", res.Cycles, res.Rows, fb.n, r)
	}
	for tbl, want := range fb.total {
		if got := pgCount(t, os.Getenv("PG_URL"), tbl); got != want {
			t.Errorf("%s: %d rows, %d landed", tbl, got, want)
		}
	}
}

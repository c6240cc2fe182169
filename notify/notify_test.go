package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
)

// receiver is a chat webhook: it records each JSON body, answering with
// the statuses in fail first.
type receiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	fail   []int
	calls  int
}

func (r *receiver) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.calls++
		if len(r.fail) > 0 {
			w.WriteHeader(r.fail[0])
			r.fail = r.fail[1:]
			return
		}
		b, _ := io.ReadAll(req.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || req.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(400)
			return
		}
		r.bodies = append(r.bodies, m)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/services/T000/B000/XXXXSECRETPATH"
}

func (r *receiver) texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, b := range r.bodies {
		out = append(out, b["text"].(string))
	}
	return out
}

func newNotifier(t *testing.T, targets ...Target) (*Notifier, lake.Store) {
	t.Helper()
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(store, targets, Options{Host: "etl-1", Backoff: time.Millisecond, IOTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return n, store
}

func jobStatus(failing bool) []Status {
	return []Status{{Key: "job:orders-load", Failing: failing, Event: Event{
		Kind: Failure, Job: "orders-load", Table: "orders",
		Error:   "load orders: connect postgres://etl:hunter2@db:5432/wh: connection refused",
		Command: "lakectl --config /etc/lakectl.yaml run orders-load",
	}}}
}

func TestWebhookSendsOneFailureThenOneRecovery(t *testing.T) {
	var rcv receiver
	n, _ := newNotifier(t, Target{Webhook: rcv.start(t)})
	ctx := context.Background()
	for range 3 { // a cron job failing every five minutes
		n.Notify(ctx, jobStatus(true))
	}
	texts := rcv.texts()
	if len(texts) != 1 {
		t.Fatalf("failures sent: %q", texts)
	}
	want := "lakectl: job orders-load (table orders) failed on etl-1: load orders: connect postgres://etl:" + redact.Mask + "@db:5432/wh: connection refused. Rerun: lakectl --config /etc/lakectl.yaml run orders-load"
	if texts[0] != want {
		t.Errorf("text:\n got %s\nwant %s", texts[0], want)
	}
	if b := rcv.bodies[0]; b["event"] != Failure || b["job"] != "orders-load" || b["host"] != "etl-1" || strings.Contains(toJSON(b), "hunter2") {
		t.Errorf("body: %v", b)
	}
	for range 2 {
		n.Notify(ctx, jobStatus(false))
	}
	texts = rcv.texts()
	if len(texts) != 2 || !strings.HasPrefix(texts[1], "lakectl: job orders-load (table orders) succeeds again on etl-1 (failing since ") {
		t.Fatalf("after recovery: %q", texts)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestWebhookRetriesBoundedAndTriesAgainNextRun(t *testing.T) {
	rcv := receiver{fail: []int{503, 502}}
	n, _ := newNotifier(t, Target{Webhook: rcv.start(t)})
	if rep := n.Notify(context.Background(), jobStatus(true)); len(rep.Sent) != 1 || rcv.calls != 3 {
		t.Fatalf("two 5xx then OK: %+v, %d calls", rep, rcv.calls)
	}
	rcv2 := receiver{fail: []int{500, 500, 500, 500}}
	n2, _ := newNotifier(t, Target{Webhook: rcv2.start(t)})
	if rep := n2.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 || rcv2.calls != 3 {
		t.Fatalf("always 5xx: %+v, %d calls", rep, rcv2.calls)
	}
	// Not delivered, so the next run tries again (and the 4th 500 is used
	// up before the success).
	if rep := n2.Notify(context.Background(), jobStatus(true)); len(rep.Sent) != 1 {
		t.Fatalf("next run: %+v", rep)
	}
	rcv3 := receiver{fail: []int{404}}
	n3, _ := newNotifier(t, Target{Webhook: rcv3.start(t)})
	if rep := n3.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 || rcv3.calls != 1 {
		t.Fatalf("404 is not retried: %+v, %d calls", rep, rcv3.calls)
	}
}

func TestWebhookThatNeverAnswersCostsBoundedTime(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	store, _ := lake.NewFileStore(t.TempDir())
	n, err := New(store, []Target{{Webhook: srv.URL}}, Options{IOTimeout: 200 * time.Millisecond, Attempts: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if rep := n.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestTargetsTakeOnlyTheirEvents(t *testing.T) {
	var all, failOnly receiver
	n, _ := newNotifier(t, Target{Webhook: all.start(t), On: []string{Quality, Recovery}}, Target{Webhook: failOnly.start(t), On: []string{Failure}})
	rule := []Status{{Key: "rule:orders/unique(id)", Failing: true, Event: Event{Kind: Quality, Job: "quality", Table: "orders", Rule: "unique(id)", Error: "3 duplicated keys"}}}
	n.Notify(context.Background(), rule)
	n.Notify(context.Background(), jobStatus(true))
	rule[0].Failing = false
	n.Notify(context.Background(), rule)
	if got := all.texts(); len(got) != 2 || !strings.Contains(got[0], "quality rule unique(id) on table orders (job quality) failed on etl-1: 3 duplicated keys") || !strings.Contains(got[1], "succeeds again") {
		t.Errorf("quality target: %q", got)
	}
	if got := failOnly.texts(); len(got) != 1 || !strings.Contains(got[0], "job orders-load") {
		t.Errorf("failure target: %q", got)
	}
}

func TestBadTargetsAreRefused(t *testing.T) {
	for _, tc := range []Target{{Webhook: "ftp://x"}, {SNS: "arn:aws:sqs:eu-west-1:1:q"}, {}, {Webhook: "http://x", On: []string{"sometimes"}}} {
		if _, err := New(nil, []Target{tc}, Options{}); err == nil {
			t.Errorf("%+v accepted", tc)
		}
	}
}

const topic = "arn:aws:sns:eu-west-1:123456789012:lakectl"

func TestSNSPublishesThroughTheQueryProtocol(t *testing.T) {
	fake := awsfake.StartSNS(t)
	fake.Env(t)
	fake.AddTopic(topic)
	fake.FailNext(awsfake.SNSThrottling, 1)
	n, _ := newNotifier(t, Target{SNS: topic})
	if rep := n.Notify(context.Background(), jobStatus(true)); len(rep.Sent) != 1 {
		t.Fatalf("throttled once then OK: %+v", rep)
	}
	msgs := fake.Messages()
	if len(msgs) != 1 || fake.Calls() != 2 || msgs[0].Subject != "lakectl failure: orders-load" || !strings.Contains(msgs[0].Message, "failed on etl-1") || strings.Contains(msgs[0].Message, "hunter2") {
		t.Fatalf("published: %+v (%d calls)", msgs, fake.Calls())
	}
}

func TestSNSFailuresAreReportedNotRetriedForever(t *testing.T) {
	fake := awsfake.StartSNS(t)
	fake.Env(t)
	fake.AddTopic(topic)
	fake.FailNext(awsfake.SNSAuthorizationError, 1)
	n, _ := newNotifier(t, Target{SNS: topic})
	if rep := n.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 || fake.Calls() != 1 {
		t.Fatalf("access denied: %+v, %d calls", rep, fake.Calls())
	}
	missing, _ := newNotifier(t, Target{SNS: "arn:aws:sns:eu-west-1:123456789012:gone"})
	if rep := missing.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 {
		t.Fatalf("no such topic: %+v", rep)
	}
	fake.FailNext(awsfake.SNSThrottling, 5)
	throttled, _ := newNotifier(t, Target{SNS: topic})
	if rep := throttled.Notify(context.Background(), jobStatus(true)); rep.Failed != 1 || fake.Calls() != 5 {
		t.Fatalf("always throttled: %+v, %d calls", rep, fake.Calls())
	}
}

func TestLockEventsGoOnlyWhereAsked(t *testing.T) {
	var dflt, locks receiver
	n, _ := newNotifier(t, Target{Webhook: dflt.start(t)}, Target{Webhook: locks.start(t), On: []string{Lock}})
	st := []Status{{Key: "job:orders", Failing: true, Event: Event{Kind: Lock, Job: "orders", Error: "lock extract-orders is held by etl-2 pid 7; another run is in progress, try again later", Command: "lakectl run orders"}}}
	n.Notify(context.Background(), st)
	n.Notify(context.Background(), st)
	if got := locks.texts(); len(got) != 1 || got[0] != "lakectl: job orders skipped on etl-1: lock extract-orders is held by etl-2 pid 7; another run is in progress, try again later. Rerun: lakectl run orders" {
		t.Errorf("lock target: %q", got)
	}
	if got := dflt.texts(); len(got) != 0 {
		t.Errorf("default target: %q", got)
	}
}

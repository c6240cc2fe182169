package glue

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/catalog/internal/cattest"
	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/schema"
)

var fileSchema = schema.Schema{Columns: []schema.Column{
	{Name: "id", Type: schema.TInt64},
	{Name: "created_at", Type: schema.TTimestamp, Nullable: true},
}}

func put(t *testing.T, store lake.Store, key string) {
	t.Helper()
	b := cattest.Parquet(t, fileSchema, nil)
	if _, err := store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

// testLake has lakectl's own day-partitioned table (projected) and
// another tool's dt=/region= folders (registered partitions).
func testLake(t *testing.T) lake.Store {
	store, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put(t, store, "tables/orders/created_at_day=2026-03-01/a.parquet")
	put(t, store, "tables/orders/created_at_day=2026-03-02/b.parquet")
	put(t, store, "tables/clicks/dt=2026-03-01/region=eu/a.parquet")
	put(t, store, "tables/clicks/dt=2026-03-01/region=us/b.parquet")
	crawl(t, store)
	return store
}

func crawl(t *testing.T, store lake.Store) {
	t.Helper()
	types := map[string]map[string]schema.Type{"clicks": {"dt": schema.TDate}}
	if _, err := catalog.Crawl(context.Background(), store, nil, catalog.CrawlOptions{PartitionTypes: types}); err != nil {
		t.Fatal(err)
	}
}

func startGlue(t *testing.T) (*awsfake.GlueServer, API) {
	g := awsfake.StartGlue(t)
	g.GlueEnv(t)
	c, err := NewClient(context.Background(), ClientOptions{MaxBackoff: 50 * time.Millisecond, ConnectTimeout: time.Second, IOTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return g, c
}

func publish(t *testing.T, store lake.Store, api API, dryRun bool) *Result {
	t.Helper()
	res, err := Publish(context.Background(), store, Options{Database: "lake", Location: "s3://bkt/lake/", Client: api, DryRun: dryRun})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func mutations(calls []string) []string {
	var out []string
	for _, c := range calls {
		if !strings.HasPrefix(c, "Get") {
			out = append(out, c)
		}
	}
	return out
}

func TestPublishCreatesTablesAndPartitionsAndASecondPublishChangesNothing(t *testing.T) {
	store := testLake(t)
	g, api := startGlue(t)

	// A dry run reads and lists the calls, and changes nothing.
	res := publish(t, store, api, true)
	if got := mutations(g.GlueCalls()); len(got) != 0 || res.Changes != 4 {
		t.Fatalf("dry run: glue saw %v, result has %d changes %+v", got, res.Changes, res.Calls)
	}

	res = publish(t, store, api, false)
	if !res.DatabaseCreated || res.Changes != 4 {
		t.Fatalf("first publish: %+v", res)
	}
	clicks := g.GlueTable("lake", "clicks")
	sd := clicks["StorageDescriptor"].(map[string]any)
	if sd["Location"] != "s3://bkt/lake/tables/clicks/" || !strings.Contains(sd["InputFormat"].(string), "MapredParquetInputFormat") ||
		sd["SerdeInfo"].(map[string]any)["SerializationLibrary"] != parquetSerDe || clicks["TableType"] != "EXTERNAL_TABLE" {
		t.Fatalf("clicks table: %v", clicks)
	}
	keys := clicks["PartitionKeys"].([]any)
	if len(keys) != 2 || keys[0].(map[string]any)["Type"] != "date" || keys[1].(map[string]any)["Name"] != "region" {
		t.Fatalf("clicks partition keys: %v", keys)
	}
	if got := g.GluePartitionValues("lake", "clicks"); !slices.EqualFunc(got, [][]string{{"2026-03-01", "eu"}, {"2026-03-01", "us"}}, slices.Equal) {
		t.Fatalf("clicks partitions: %v", got)
	}
	orders := g.GlueTable("lake", "orders")["Parameters"].(map[string]any)
	if orders["projection.enabled"] != "true" || orders["projection.created_at_day.type"] != "date" || orders[paramVersion] != "1" {
		t.Fatalf("orders parameters: %v", orders)
	}

	before := len(g.GlueCalls())
	res = publish(t, store, api, false)
	if got := mutations(g.GlueCalls()[before:]); len(got) != 0 || res.Changes != 0 {
		t.Fatalf("second publish changed the catalog: %v", got)
	}
	for _, tr := range res.Tables {
		if tr.Action != "unchanged" {
			t.Errorf("second publish: %+v", tr)
		}
	}

	// A new folder registers only itself; a new column updates the table
	// and keeps parameters someone else set.
	put(t, store, "tables/clicks/dt=2026-03-02/region=eu/c.parquet")
	before = len(g.GlueCalls())
	res = publish(t, store, api, false)
	if got := mutations(g.GlueCalls()[before:]); !slices.Equal(got, []string{"BatchCreatePartition"}) || res.Tables[0].PartitionsAdded != 1 {
		t.Fatalf("publish of one new folder: %v %+v", got, res.Tables)
	}
}

func TestPublishUpdatesAChangedTableAndKeepsOthersParameters(t *testing.T) {
	store := testLake(t)
	g, api := startGlue(t)
	publish(t, store, api, false)
	in := g.GlueTable("lake", "orders")
	in["Parameters"].(map[string]any)["owner"] = "analytics"
	wider := schema.Schema{Columns: append(slices.Clone(fileSchema.Columns), schema.Column{Name: "note", Type: schema.TString, Nullable: true})}
	b := cattest.Parquet(t, wider, nil)
	if _, err := store.Put(context.Background(), "tables/orders/created_at_day=2026-03-03/c.parquet", bytes.NewReader(b), int64(len(b)), lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	crawl(t, store)
	before := len(g.GlueCalls())
	publish(t, store, api, false)
	if got := mutations(g.GlueCalls()[before:]); !slices.Equal(got, []string{"UpdateTable"}) {
		t.Fatalf("calls after an added column: %v", got)
	}
	tbl := g.GlueTable("lake", "orders")
	params := tbl["Parameters"].(map[string]any)
	cols := tbl["StorageDescriptor"].(map[string]any)["Columns"].([]any)
	if params[paramVersion] != "2" || params["owner"] != "analytics" || len(cols) != 3 {
		t.Fatalf("updated table: params %v, columns %v", params, cols)
	}
}

func TestPublishSurvivesThrottlingAndRacesAndReportsAccessDenied(t *testing.T) {
	store := testLake(t)
	g, api := startGlue(t)
	g.GlueFail("CreateDatabase", "AlreadyExistsException")                     // another publisher won
	g.GlueFail("CreateTable", "ThrottlingException", "AlreadyExistsException") // retried, then a lost race
	g.GlueFail("BatchCreatePartition", "ThrottlingException")
	res := publish(t, store, api, false)
	if len(res.Tables) != 2 || len(g.GluePartitionValues("lake", "clicks")) != 2 || g.GlueTable("lake", "orders") == nil {
		t.Fatalf("publish through faults: %+v", res)
	}

	g2, api2 := startGlue(t)
	g2.GlueFail("CreateTable", "AccessDeniedException")
	_, err := Publish(context.Background(), store, Options{Database: "lake", Location: "s3://bkt/lake", Client: api2, Tables: []string{"orders"}})
	if err == nil || !strings.Contains(err.Error(), "glue:CreateTable") || !strings.Contains(err.Error(), "lake.orders") {
		t.Fatalf("access denied: %v", err)
	}
	_ = g2
}

func TestPublishOfALocalLakeWithoutLocationSaysItIsNotOnS3(t *testing.T) {
	store := testLake(t)
	_, api := startGlue(t)
	_, err := Publish(context.Background(), store, Options{Database: "lake", Client: api})
	if err == nil || !strings.Contains(err.Error(), ErrNotS3.Error()) {
		t.Fatalf("err = %v, want ErrNotS3", err)
	}
}

func TestPublishRereadsATableChangedOrDroppedUnderIt(t *testing.T) {
	store := testLake(t)
	g, api := startGlue(t)
	publish(t, store, api, false)
	put(t, store, "tables/orders/created_at_day=2026-02-01/z.parquet") // projection range moves
	crawl(t, store)
	g.GlueFail("UpdateTable", "EntityNotFoundException", "ConcurrentModificationException")
	res := publish(t, store, api, false)
	if res.Tables[1].Action != "updated" || g.GlueTable("lake", "orders")["Parameters"].(map[string]any)["projection.created_at_day.range"] != "2026-02-01,NOW" {
		t.Fatalf("publish after faults on UpdateTable: %+v", res.Tables)
	}
}

// A dry run against a Glue that cannot be reached plans as if the
// catalog were empty, and says so; a Glue that accepts and never answers
// costs the idle-read timeout, not a hang.
func TestPublishBoundsItsWaitsAndPlansOffline(t *testing.T) {
	store := testLake(t)
	done := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(done) }) // runs first: the handlers return, then Close
	g := awsfake.StartGlue(t)
	g.GlueEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_GLUE", hang.URL)
	c, err := NewClient(context.Background(), ClientOptions{MaxBackoff: 10 * time.Millisecond, ConnectTimeout: time.Second, IOTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Publish(context.Background(), store, Options{Database: "lake", Location: "s3://bkt/lake", Client: c})
	if err == nil || time.Since(start) > 10*time.Second {
		t.Fatalf("publish to a silent endpoint: %v after %s", err, time.Since(start))
	}
	res, err := Publish(context.Background(), store, Options{Database: "lake", Location: "s3://bkt/lake", Client: c, DryRun: true})
	if err != nil || res.Unreachable == "" || res.Changes != 4 {
		t.Fatalf("offline dry run: %+v, %v", res, err)
	}
}

func TestPublishRegistersProjectedPartitionsForSpectrumWhenAsked(t *testing.T) {
	store := testLake(t)
	g, api := startGlue(t)
	_, err := Publish(context.Background(), store, Options{Database: "lake", Location: "s3://bkt/lake", Client: api, RegisterProjected: true, Tables: []string{"orders"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.GluePartitionValues("lake", "orders"); len(got) != 2 || got[0][0] != "2026-03-01" {
		t.Fatalf("orders partitions: %v", got)
	}
}

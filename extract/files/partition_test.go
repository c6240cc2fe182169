package files

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Partitioned by a record field's day, or by arrival (_ingested_at);
// records without a --key field are bad records.
func TestPartitionByRecordTimeOrArrival(t *testing.T) {
	f := newFixture(t)
	f.put("svc/a.jsonl", []byte("{\"id\":1,\"ts\":\"2026-11-29T23:59:59Z\"}\n{\"id\":2,\"ts\":\"2026-11-30T00:00:00+00:00\"}\n{\"id\":3}\n"))
	o := f.opts(`^svc/=by_ts`)
	o.PartitionBy, o.Key = "ts:day", []string{"id"}
	if res := f.mustExtract(o); res.Rows != 3 {
		t.Fatalf("rows %d", res.Rows)
	}
	var folders []string
	for _, k := range f.lakeFiles("tables/by_ts/") {
		folders = append(folders, strings.Split(k, "/")[2])
	}
	if strings.Join(folders, ",") != "ts_day=2026-11-29,ts_day=2026-11-30,ts_day=__HIVE_DEFAULT_PARTITION__" {
		t.Fatalf("folders %v", folders)
	}
	if got := f.scalar("by_ts", "SELECT CAST(max(ts) AS VARCHAR) FROM lk"); got != "2026-11-30 00:00:00" && !strings.HasPrefix(got, "2026-11-30 00:00:00") {
		t.Fatalf("ts is %q, want a timestamp", got)
	}

	o = f.opts(`^arr/=by_arrival`)
	o.Job, o.PartitionBy, o.Key = "arrival", "_ingested_at:hour", []string{"id"}
	o.Now = func() time.Time { return time.Date(2026, 12, 1, 3, 4, 5, 0, time.UTC) }
	f.put("arr/a.jsonl", []byte("{\"id\":1}\n{\"nokey\":2}\n"))
	if _, err := f.extract(o); !errors.Is(err, ErrBadObjects) {
		t.Fatalf("a record without the key: %v", err)
	}
	o.SkipBadRecords = true
	res := f.mustExtract(o)
	if res.Rows != 1 || res.SkippedRecords != 1 || !strings.Contains(res.Problems[0].Reason, "id") {
		t.Fatalf("%+v", res)
	}
	if files := f.lakeFiles("tables/by_arrival/ingested_at_hour=2026-12-01T03/"); len(files) != 1 {
		t.Fatalf("arrival partition: %v", f.lakeFiles("tables/by_arrival/"))
	}
}

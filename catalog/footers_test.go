package catalog

import (
	"context"
	"reflect"
	"testing"

	"github.com/lakectl/lakectl/lake/parquetfile"
	"github.com/lakectl/lakectl/lake/schema"
)

// What the index knows of a crawled file is what its footer says; a file
// rewritten since, or not crawled, is unknown.
func TestKnownFootersMatchTheFootersAndMissChangedFiles(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := schemaOf(col("id", schema.TInt64, false), col("name", schema.TString, true))
	if _, ok := KnownFooters(ctx, store, "t")("tables/t/a.parquet", 1, ""); ok {
		t.Fatal("a table never crawled knows a footer")
	}
	writeParquet(t, store, "tables/t/a.parquet", s, idRows(s, 3))
	writeParquet(t, store, "tables/t/b.parquet", s, idRows(s, 4))
	crawlOne(t, store, "t")
	writeParquet(t, store, "tables/t/b.parquet", s, idRows(s, 5)) // rewritten
	known := KnownFooters(ctx, store, "t")
	info, err := store.Stat(ctx, "tables/t/a.parquet")
	if err != nil {
		t.Fatal(err)
	}
	k, ok := known(info.Key, info.Size, info.ETag)
	ft, err := parquetfile.ReadFooterFrom(ctx, store, info.Key, info.Size)
	if err != nil {
		t.Fatal(err)
	}
	mb, _ := parquetfile.MaxBytes(ft.KeyValue)
	if !ok || !reflect.DeepEqual(k, KnownFooter{Schema: ft.Schema, Rows: ft.Rows, MaxBytes: mb}) {
		t.Fatalf("known footer of a = %+v, %v; its footer says %+v rows %d max bytes %v", k, ok, ft.Schema, ft.Rows, mb)
	}
	b, err := store.Stat(ctx, "tables/t/b.parquet")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := known(b.Key, b.Size, b.ETag); ok {
		t.Fatal("a file rewritten since the crawl is known")
	}
}

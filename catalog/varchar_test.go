package catalog

import (
	"context"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake/schema"
)

func TestRedshiftDDLSizesVarcharFromTheCrawledFiles(t *testing.T) {
	store := newStore(t)
	s := schemaOf(schema.Column{Name: "id", Type: schema.TInt64}, schema.Column{Name: "Name", Type: schema.TString, Nullable: true},
		schema.Column{Name: "tag", Type: schema.TString, Nullable: true})
	long := strings.Repeat("é", 150) // 300 bytes
	writeParquet(t, store, "tables/t/a.parquet", s, []schema.Row{{schema.Int64Value(1), schema.StringValue("x"), schema.StringValue("t")}})
	writeParquet(t, store, "tables/t/b.parquet", s, []schema.Row{{schema.Int64Value(2), schema.StringValue(long), schema.NullValue()}})
	crawlOne(t, store, "t")
	observed, unknown, err := StringSizes(context.Background(), store, "t")
	if err != nil {
		t.Fatal(err)
	}
	if unknown != 0 || observed["name"] != 300 || observed["tag"] != 1 {
		t.Fatalf("sizes %v, %d unknown", observed, unknown)
	}
	ddl, err := DDL(Redshift, "t", s, DDLOptions{VarcharBytes: SizedVarchars(observed, unknown), VarcharHeadroom: -1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ddl, `"Name" VARCHAR(375)`) || !strings.Contains(ddl, `"tag" VARCHAR(256)`) {
		t.Errorf("DDL:\n%s\nwant Name VARCHAR(375) (300 bytes + 25%%) and tag VARCHAR(256) (the floor)", ddl)
	}
	for _, c := range []struct{ observed, want int }{{0, 256}, {300, 375}, {60000, 65535}} {
		if got := VarcharSize(c.observed); got != c.want {
			t.Errorf("VarcharSize(%d) = %d, want %d", c.observed, got, c.want)
		}
	}
}

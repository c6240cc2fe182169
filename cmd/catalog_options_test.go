package cmd

import (
	"slices"
	"testing"

	"github.com/lakectl/lakectl/catalog"
	"github.com/lakectl/lakectl/internal/clierr"
)

func TestCatalogCrawlOptions(t *testing.T) {
	type O = catalogCrawlOptions
	cases := []optCase[O]{
		{args: nil, check: func(t *testing.T, o *O) {
			if len(o.Tables) != 0 {
				t.Errorf("tables %v", o.Tables)
			}
		}},
		{args: []string{"orders", "clicks"}, check: func(t *testing.T, o *O) {
			if !slices.Equal(o.Tables, []string{"orders", "clicks"}) {
				t.Errorf("tables %v", o.Tables)
			}
		}},
	}
	cases = append(cases, lakePrecedence(nil, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "catalog crawl", newCmdCatalogCrawl, cases)
}

func TestCatalogCheckOptions(t *testing.T) {
	type O = catalogCheckOptions
	cases := []optCase[O]{
		{args: nil},
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if !slices.Equal(o.Tables, []string{"orders"}) {
				t.Errorf("tables %v", o.Tables)
			}
		}},
	}
	cases = append(cases, lakePrecedence([]string{"orders"}, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "catalog check", newCmdCatalogCheck, cases)
}

func TestCatalogShowOptions(t *testing.T) {
	type O = catalogShowOptions
	cases := []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.Version != 0 {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders", "--version", "3"}, check: func(t *testing.T, o *O) {
			if o.Version != 3 {
				t.Errorf("%+v", o)
			}
		}},
		{args: nil, code: clierr.ExitUsage},
		{args: []string{"orders", "--version", "x"}, code: clierr.ExitUsage},
	}
	cases = append(cases, lakePrecedence([]string{"orders"}, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "catalog show", newCmdCatalogShow, cases)
}

func TestCatalogHistoryOptions(t *testing.T) {
	type O = catalogHistoryOptions
	testOptions(t, "catalog history", newCmdCatalogHistory, []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" {
				t.Errorf("%+v", o)
			}
		}},
		{args: nil, code: clierr.ExitUsage},
		{args: []string{"a", "b"}, code: clierr.ExitUsage},
	})
}

func TestCatalogDiffOptions(t *testing.T) {
	type O = catalogDiffOptions
	testOptions(t, "catalog diff", newCmdCatalogDiff, []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.A != 0 || o.B != 0 {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders", "2"}, check: func(t *testing.T, o *O) {
			if o.A != 2 || o.B != 0 {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders", "1", "3"}, check: func(t *testing.T, o *O) {
			if o.A != 1 || o.B != 3 {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders", "x"}, code: clierr.ExitUsage},
		{args: []string{"orders", "0"}, code: clierr.ExitUsage},
		{args: []string{"orders", "1", "2", "3"}, code: clierr.ExitUsage},
	})
}

func TestCatalogDDLOptions(t *testing.T) {
	type O = catalogDDLOptions
	testOptions(t, "catalog ddl", newCmdCatalogDDL, []optCase[O]{
		{args: []string{"orders", "--dialect", "athena", "--location", "s3://b/lake"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.Dialect != catalog.Athena || o.Location != "s3://b/lake" {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders", "--dialect", "pg"}, check: func(t *testing.T, o *O) {
			if o.Dialect != catalog.Postgres || o.Location != "" {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders"}, code: clierr.ExitUsage},
		{args: []string{"orders", "--dialect", "oracle"}, code: clierr.ExitUsage},
		{args: []string{"orders", "--dialect", "duckdb", "--location", "s3://b/lake"}, code: clierr.ExitUsage},
	})
}

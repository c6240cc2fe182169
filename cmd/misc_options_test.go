package cmd

import (
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
)

func TestDemoOptions(t *testing.T) {
	type O = demoOptions
	testOptions(t, "demo", newCmdDemo, []optCase[O]{
		{args: nil, check: func(t *testing.T, o *O) {
			if o.Dir != "" || o.Days != 3 {
				t.Errorf("defaults: %+v", o.Options)
			}
		}},
		{args: []string{"--dir", "/tmp/d", "--days", "5"}, check: func(t *testing.T, o *O) {
			if o.Dir != "/tmp/d" || o.Days != 5 {
				t.Errorf("flags: %+v", o.Options)
			}
		}},
		{args: []string{"extra"}, code: clierr.ExitUsage},
		{args: []string{"--days", "-1"}, code: clierr.ExitUsage},
	})
}

func TestVersionOptions(t *testing.T) {
	type O = versionOptions
	testOptions(t, "version", newCmdVersion, []optCase[O]{
		{args: nil},
		// version reads no config: a config file that does not exist is
		// still refused by the root, as for every command.
		{args: nil, env: map[string]string{"LAKECTL_LAKE": "/from/env"}, check: func(t *testing.T, o *O) {
			if o.f.Config().Lake != "/from/env" {
				t.Errorf("lake %q", o.f.Config().Lake)
			}
		}},
		{args: []string{"extra"}, code: clierr.ExitUsage},
	})
}

func TestCheckOptionsThroughRoot(t *testing.T) {
	type O = checkOptions
	cases := lakePrecedence([]string{"orders", "--accept"}, func(o *O) string { return o.f.Config().Lake })
	testOptions(t, "check", newCmdCheck, cases)
}

func TestCatalogPublishOptionsThroughRoot(t *testing.T) {
	type O = catalogPublishOptions
	cases := lakePrecedence([]string{"--glue-database", "lake"}, func(o *O) string { return o.f.Config().Lake })
	testOptions(t, "catalog publish", newCmdCatalogPublish, cases)
}

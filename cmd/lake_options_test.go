package cmd

import (
	"slices"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/clierr"
)

func TestLakeLsOptions(t *testing.T) {
	type O = lakeLsOptions
	cases := []optCase[O]{
		{args: nil, check: func(t *testing.T, o *O) {
			if o.Table != "" {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"a", "b"}, code: clierr.ExitUsage},
	}
	cases = append(cases, lakePrecedence(nil, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "lake ls", newCmdLakeLs, cases)
}

func TestLakeCompactOptions(t *testing.T) {
	type O = lakeCompactOptions
	cases := []optCase[O]{
		{args: []string{"orders"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || o.partitions != nil || o.targetSize != "" || o.dryRun {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{args: []string{"orders", "--partition", "d=2026-11-23", "--partition", "d=2026-11-24,x", "--target-size", "256MiB", "--dry-run"},
			check: func(t *testing.T, o *O) {
				// StringArray: a comma belongs to the value.
				if !slices.Equal(o.partitions, []string{"d=2026-11-23", "d=2026-11-24,x"}) || o.targetSize != "256MiB" || !o.dryRun {
					t.Errorf("flags: %+v", o)
				}
			}},
		{args: nil, code: clierr.ExitUsage},
	}
	target := func(want int64) func(*testing.T, *O) {
		return func(t *testing.T, o *O) {
			co, err := o.compactOptions(o.f.Config(), o.Table)
			if err != nil || co.TargetFileBytes != want || co.Table != "orders" {
				t.Errorf("resolved %+v, %v; want target %d", co, err, want)
			}
		}
	}
	tableCfg := "tables:\n  orders:\n    target_size: 64MiB\n    sort_by: [id]\n"
	cases = append(cases,
		optCase[O]{args: []string{"orders"}, check: target(0)}, // the library's default
		optCase[O]{args: []string{"orders"}, config: tableCfg, check: target(64 << 20)},
		optCase[O]{args: []string{"orders", "--target-size", "256MiB"}, config: tableCfg, check: target(256 << 20)},
		optCase[O]{args: []string{"orders", "--target-size", "big"}, check: func(t *testing.T, o *O) {
			if _, err := o.compactOptions(o.f.Config(), o.Table); clierr.Code(err) != clierr.ExitUsage || !strings.Contains(err.Error(), "target-size") {
				t.Errorf("--target-size big: %v", err)
			}
		}},
	)
	cases = append(cases, lakePrecedence([]string{"orders"}, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "lake compact", newCmdLakeCompact, cases)
}

func TestLakeDoctorOptionsThroughRoot(t *testing.T) {
	type O = lakeDoctorOptions
	cases := []optCase[O]{
		{args: []string{"orders", "--repair"}, check: func(t *testing.T, o *O) {
			if o.Table != "orders" || !o.Repair {
				t.Errorf("%+v", o)
			}
		}},
		{args: []string{"a", "b"}, code: clierr.ExitUsage},
	}
	cases = append(cases, lakePrecedence(nil, func(o *O) string { return o.f.Config().Lake })...)
	testOptions(t, "lake doctor", newCmdLakeDoctor, cases)
}

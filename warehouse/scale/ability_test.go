package scale_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/warehouse/driver"
	"github.com/lakectl/lakectl/warehouse/redshift"
	"github.com/lakectl/lakectl/warehouse/scale"
)

var _ scale.Scalable = (*redshift.Warehouse)(nil)

// wrapped is a layer over a warehouse that passes its abilities on.
type wrapped struct{ driver.Warehouse }

func (w wrapped) Unwrap() driver.Warehouse { return w.Warehouse }

// bare hides every ability of the warehouse it holds.
type bare struct{ driver.Warehouse }

func TestConfigForFindsTheComputeThroughWrappers(t *testing.T) {
	u, err := url.Parse("redshift://u:pw@127.0.0.1:1/dev?workgroup=wg&iam_role=r")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := redshift.Open(context.Background(), u, redshift.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for _, wh := range []driver.Warehouse{rs, wrapped{rs}, wrapped{wrapped{rs}}} {
		cfg, err := scale.ConfigFor(wh, scale.Config{})
		if err != nil || cfg.Workgroup != "wg" || cfg.Cluster != "" {
			t.Errorf("%T: %+v %v", wh, cfg, err)
		}
	}
	// A name given outright wins over the URL's.
	if cfg, err := scale.ConfigFor(wrapped{rs}, scale.Config{Cluster: "c"}); err != nil || cfg.Cluster != "c" || cfg.Workgroup != "" {
		t.Errorf("given cluster: %+v %v", cfg, err)
	}
	if _, err := scale.ConfigFor(bare{rs}, scale.Config{}); !input.Is(err) {
		t.Errorf("a warehouse without the ability: %v", err)
	}
}

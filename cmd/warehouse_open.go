package cmd

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/redact"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// Opening the warehouse and its Redshift compute, shared by the warehouse,
// rebuild and run commands.

// openWarehouse opens the configured warehouse; connections open on first
// use, so a dry run can still plan when it is unreachable.
func (f *Factory) openWarehouse(ctx context.Context) (warehouse.Warehouse, error) {
	return f.Warehouse(ctx, f.Config().Warehouse)
}

// storeAndWarehouse opens the lake and the warehouse; the caller closes
// the warehouse.
func (f *Factory) storeAndWarehouse(ctx context.Context) (lake.Store, warehouse.Warehouse, error) {
	return f.storeAndWarehouseDry(ctx, false)
}

// storeAndWarehouseDry is storeAndWarehouse for a command that may be a
// dry run (openWarehouseDry).
func (f *Factory) storeAndWarehouseDry(ctx context.Context, dry bool) (lake.Store, warehouse.Warehouse, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, nil, err
	}
	wh, err := f.openWarehouseDry(ctx, dry)
	return store, wh, err
}

// openWarehouseDry is openWarehouse, except that on a dry run a DuckDB
// warehouse file that does not exist yet is planned against an empty
// in-memory database, so the dry run does not create it.
func (f *Factory) openWarehouseDry(ctx context.Context, dry bool) (warehouse.Warehouse, error) {
	path, isDuck := strings.CutPrefix(firstString(f.Config().Warehouse, warehouse.DefaultURL), "duckdb://")
	if !dry || !isDuck || path == "" || path == ":memory:" {
		return f.openWarehouse(ctx)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return f.openWarehouse(ctx)
	}
	return f.Warehouse(ctx, "duckdb://:memory:")
}

// checkedStoreAndWarehouse validates the target name (--into of reprocess
// and rebuild) and that the lake holds the table before the warehouse is
// opened, so a typo changes nothing (not even a new DuckDB file).
func (f *Factory) checkedStoreAndWarehouse(ctx context.Context, name, into string, dry bool) (lake.Store, warehouse.Warehouse, error) {
	if err := checkInto("--into", into); err != nil {
		return nil, nil, err
	}
	if err := f.requireStoreTable(ctx, name); err != nil {
		return nil, nil, err
	}
	return f.storeAndWarehouseDry(ctx, dry)
}

// scaler is f.Scaler, under the name rebuild's commands call.
func (f *Factory) scaler(ctx context.Context, wh warehouse.Warehouse) (*scale.Scaler, error) {
	return f.Scaler(ctx, wh)
}

// scaleConfig names the compute and reads scale_poll_interval.
func (f *Factory) scaleConfig(wh warehouse.Warehouse) (scale.Config, error) {
	c := f.Config()
	cfg := scale.Config{Cluster: c.Cluster, Workgroup: c.Workgroup, Logger: f.Logger(), Timeouts: f.Timeouts()}
	if c.ScalePollInterval != "" {
		d, err := time.ParseDuration(c.ScalePollInterval)
		if err != nil || d <= 0 {
			return cfg, input.Errorf("scale_poll_interval %q: want a positive duration such as 30s", c.ScalePollInterval)
		}
		cfg.PollInterval = d
	}
	return scale.ConfigFor(wh, cfg)
}

// checkScalable refuses scaling before the warehouse is opened (which
// would create a DuckDB file) when nothing names a Redshift compute: no
// --cluster/--workgroup and a warehouse URL that is not redshift://.
func (f *Factory) checkScalable() error {
	c := f.Config()
	if c.Cluster != "" || c.Workgroup != "" || strings.HasPrefix(c.Warehouse, "redshift://") {
		return nil
	}
	return input.Errorf("warehouse %s is not Redshift: scaling resizes Redshift only (use a redshift:// warehouse with cluster=ID or workgroup=NAME, or name it with --cluster / --workgroup)", redact.Userinfo(c.Warehouse))
}

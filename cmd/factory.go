package cmd

import (
	"context"
	"log/slog"
	"sync"

	"github.com/lakectl/lakectl/internal/config"
	"github.com/lakectl/lakectl/internal/iostreams"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/scale"
)

// Factory holds what commands need, as constructors called on first use,
// so that --help, completion, version and doc generation never read
// credentials or open a socket. NewFactory sets every field; tests replace
// the constructors (as gh's cmdutil.Factory) to run a command without a
// service.
type Factory struct {
	IO     *iostreams.IO
	Loader *config.Loader

	// Config is the loaded configuration (after the root's pre-run; the
	// defaults before it).
	Config func() *config.Config
	// Logger is the configured logger on stderr.
	Logger func() *slog.Logger
	// Timeouts are --connect-timeout and --io-timeout, checked by the
	// root's pre-run; every client a command builds takes them.
	Timeouts func() netx.Timeouts
	// Store opens the lake named by --lake / LAKECTL_LAKE / config, once.
	Store func(ctx context.Context) (lake.Store, error)
	// Warehouse opens the warehouse at url (empty: the default) with the
	// configured cluster, workgroup and timeouts; connections open on
	// first use, so a dry run can still plan when it is unreachable.
	Warehouse func(ctx context.Context, url string) (warehouse.Warehouse, error)
	// Scaler is the Redshift compute behind wh: --cluster / --workgroup
	// (config keys) or the redshift:// URL's cluster= / workgroup=.
	Scaler func(ctx context.Context, wh warehouse.Warehouse) (*scale.Scaler, error)

	cfgMu  sync.Mutex // cfg is read from the goroutines of a command (lake ls)
	cfg    *config.Config
	logger *slog.Logger
	store  lake.Store // set once Store opened it, for Close
}

// NewFactory returns a factory over io whose constructors open the real
// lake, warehouse and control plane.
func NewFactory(io *iostreams.IO) *Factory {
	f := &Factory{IO: io, Loader: config.NewLoader(), logger: slog.New(slog.DiscardHandler)}
	f.Config = f.loadedConfig
	f.Logger = func() *slog.Logger { return f.logger }
	f.Timeouts = f.configTimeouts
	f.Store = f.openStoreOnce()
	f.Warehouse = func(ctx context.Context, url string) (warehouse.Warehouse, error) {
		c := f.Config()
		return warehouse.Open(ctx, url, warehouse.Options{Cluster: c.Cluster, Workgroup: c.Workgroup, Timeouts: f.Timeouts()})
	}
	f.Scaler = func(ctx context.Context, wh warehouse.Warehouse) (*scale.Scaler, error) {
		cfg, err := f.scaleConfig(wh)
		if err != nil {
			return nil, err
		}
		return scale.New(ctx, cfg)
	}
	return f
}

func (f *Factory) loadedConfig() *config.Config {
	f.cfgMu.Lock()
	defer f.cfgMu.Unlock()
	if f.cfg == nil {
		f.cfg = &config.Config{Lake: "./lake", Warehouse: warehouse.DefaultURL, Output: "text"}
	}
	return f.cfg
}

// setConfig sets the loaded config.
func (f *Factory) setConfig(cfg *config.Config) {
	f.cfgMu.Lock()
	f.cfg = cfg
	f.cfgMu.Unlock()
}

func (f *Factory) configTimeouts() netx.Timeouts {
	t, err := f.Config().Timeouts()
	if err != nil {
		return netx.Timeouts{}.WithDefaults()
	}
	return t
}

func (f *Factory) openStoreOnce() func(context.Context) (lake.Store, error) {
	var (
		once  sync.Once
		store lake.Store
		err   error
	)
	return func(ctx context.Context) (lake.Store, error) {
		once.Do(func() {
			c := f.Config()
			store, err = lake.Open(ctx, c.Lake, lake.Options{
				S3Endpoint:  c.S3Endpoint,
				S3PathStyle: c.S3PathStyle,
				Logger:      f.Logger(),
				Timeouts:    f.Timeouts(),
			})
			f.store = store
		})
		return store, err
	}
}

// Close releases what the factory opened.
func (f *Factory) Close() {
	if f.store != nil {
		_ = f.store.Close()
	}
}

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
)

// Factory builds what commands need on first use, so that --help,
// completion, version and doc generation never read credentials or open a
// socket.
type Factory struct {
	IO     *iostreams.IO
	Loader *config.Loader

	cfg    *config.Config
	logger *slog.Logger

	storeOnce sync.Once
	store     lake.Store
	storeErr  error
}

// NewFactory returns a factory over io.
func NewFactory(io *iostreams.IO) *Factory {
	return &Factory{IO: io, Loader: config.NewLoader(), logger: slog.New(slog.DiscardHandler)}
}

// Config is the loaded configuration (after the root's pre-run).
func (f *Factory) Config() *config.Config {
	if f.cfg == nil {
		f.cfg = &config.Config{Lake: "./lake", Warehouse: warehouse.DefaultURL, Output: "text"}
	}
	return f.cfg
}

// Logger is the configured logger on stderr.
func (f *Factory) Logger() *slog.Logger { return f.logger }

// Store opens the lake named by --lake / LAKECTL_LAKE / config, once.
func (f *Factory) Store(ctx context.Context) (lake.Store, error) {
	f.storeOnce.Do(func() {
		c := f.Config()
		f.store, f.storeErr = lake.Open(ctx, c.Lake, lake.Options{
			S3Endpoint:  c.S3Endpoint,
			S3PathStyle: c.S3PathStyle,
			Logger:      f.logger,
			Timeouts:    f.Timeouts(),
		})
	})
	return f.store, f.storeErr
}

// Timeouts are --connect-timeout and --io-timeout, checked by the root's
// pre-run; every client a command builds takes them.
func (f *Factory) Timeouts() netx.Timeouts {
	t, err := f.Config().Timeouts()
	if err != nil {
		return netx.Timeouts{}.WithDefaults()
	}
	return t
}

// Close releases what the factory opened.
func (f *Factory) Close() {
	if f.store != nil {
		_ = f.store.Close()
	}
}

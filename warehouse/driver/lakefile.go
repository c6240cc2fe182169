package driver

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/lakectl/lakectl/lake"
)

// LocalFile is a lake file as a path on this machine: the file itself for
// a local lake, a temporary download for an S3 lake (removed by release).
// Engines that read Parquet by path (DuckDB) and the row readers use it.
func LocalFile(ctx context.Context, store lake.Store, key, tmpDir string) (path string, release func(), err error) {
	if local, ok := lake.As[LocalFiles](store); ok {
		p := local.LocalPath(key)
		if _, err := os.Stat(p); err != nil {
			return "", nil, fmt.Errorf("lake file %s: %w (it was removed after the load was planned: rerun the load)", key, lake.ErrNotExist)
		}
		return p, func() {}, nil
	}
	r, err := store.Get(ctx, key)
	if err != nil {
		return "", nil, fmt.Errorf("lake file %s: %w", key, err)
	}
	defer r.Close()
	f, err := os.CreateTemp(tmpDir, "lakectl-load-*.parquet")
	if err != nil {
		return "", nil, fmt.Errorf("download lake file %s: %w", key, err)
	}
	release = func() { _ = os.Remove(f.Name()) }
	if _, err := io.Copy(f, r); err != nil {
		_ = f.Close()
		release()
		return "", nil, fmt.Errorf("download lake file %s: %w", key, err)
	}
	if err := f.Close(); err != nil {
		release()
		return "", nil, fmt.Errorf("download lake file %s: %w", key, err)
	}
	return f.Name(), release, nil
}

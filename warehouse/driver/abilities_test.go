package driver_test

import (
	"context"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/warehouse/driver"
)

func TestStoreAsFindsTheLocalFilesOfALocalLakeThroughTheRetryWrapper(t *testing.T) {
	dir := t.TempDir()
	store, err := lake.Open(context.Background(), dir, lake.Options{})
	if err != nil {
		t.Fatal(err)
	}
	local, ok := lake.As[driver.LocalFiles](store)
	if !ok {
		t.Fatalf("%T: no local-files ability", store)
	}
	if got, want := local.LocalPath("tables/t/a.parquet"), store.URL("tables/t/a.parquet"); got != want {
		t.Errorf("LocalPath = %s, want %s", got, want)
	}
}

// wrapped is a warehouse wrapper that only unwraps.
type wrapped struct {
	driver.Warehouse
	inner driver.Warehouse
}

func (w wrapped) Unwrap() driver.Warehouse { return w.inner }

type outside struct{ driver.Warehouse }

func (outside) ExecOutsideTx(context.Context, string) error { return nil }

func TestAsLooksThroughWrappers(t *testing.T) {
	if _, ok := driver.As[driver.OutsideTx](wrapped{inner: outside{}}); !ok {
		t.Error("As does not find an ability of the wrapped warehouse")
	}
	if _, ok := driver.As[driver.OutsideTx](wrapped{inner: wrapped{}}); ok {
		t.Error("As finds an ability nobody has")
	}
}

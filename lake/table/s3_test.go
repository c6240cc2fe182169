package table

import (
	"context"
	"testing"

	"github.com/lakectl/lakectl/internal/testenv"
	"github.com/lakectl/lakectl/lake"
)

// extraStores adds the S3 store on MinIO.
func extraStores() []storeFactory {
	return []storeFactory{{"s3", func(t *testing.T) lake.Store {
		t.Helper()
		env := testenv.S3(t)
		env.SetAWSEnv(t)
		s, err := lake.Open(context.Background(), env.URL("lake"), lake.Options{S3Endpoint: env.Endpoint, S3PathStyle: true, Region: env.Region})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}}}
}

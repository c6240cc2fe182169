package awsfake

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// serve starts an HTTP server on h that stops when the test ends and
// returns its URL.
func serve(t testing.TB, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// setEnv points the AWS SDK of this process at url through the endpoint
// variables given (AWS_ENDPOINT_URL_<SERVICE>), in region when not empty,
// with dummy credentials and no profile or instance metadata, for the rest
// of the test.
func setEnv(t testing.TB, url, region string, endpoints ...string) {
	for _, e := range endpoints {
		t.Setenv(e, url)
	}
	if region != "" {
		t.Setenv("AWS_REGION", region)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

package lake

import (
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/lakectl/lakectl/internal/netx"
)

// s3HTTPClient is the SDK's own HTTP client with lakectl's bounds: dial
// and TLS within the connect timeout, and every read of a response
// (headers or body) within the io timeout, so an endpoint that accepts
// and never answers fails with a *netx.TimeoutError instead of hanging.
func s3HTTPClient(t netx.Timeouts) *awshttp.BuildableClient {
	t = t.WithDefaults()
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.DialContext = t.DialContext
		tr.TLSHandshakeTimeout = t.Connect
		tr.ResponseHeaderTimeout = t.IO + t.IO/4
	})
}

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
// Other AWS clients (Glue, SNS, Redshift's control plane) do the same.
//
// It keeps up to s3IdleConns idle connections to the endpoint (the SDK
// keeps 10): compaction reads, page landings and commits run dozens of
// requests at once, and past 10 each would otherwise open a new
// connection and close it again.
func s3HTTPClient(t netx.Timeouts) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(t.Apply, func(tr *http.Transport) {
		tr.MaxIdleConns = max(tr.MaxIdleConns, s3IdleConns)
		tr.MaxIdleConnsPerHost = s3IdleConns
		tr.ReadBufferSize = s3ReadBuffer
	})
}

const s3IdleConns = 64

// s3ReadBuffer is each connection's read buffer (net/http's default is
// 4 KiB): the response to a footer read (16 KiB) or a small GET arrives,
// headers and body, in one read system call instead of two or three.
const s3ReadBuffer = 32 << 10

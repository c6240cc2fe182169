package lake

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
	"github.com/aws/smithy-go/middleware"
)

// The SDK spends about as much client CPU on a small request's middleware
// as on its HTTP exchange. Two options cut it without changing what is
// sent to S3 (the SDK's own options, no hand-rolled requests).

// cachedEndpoints is the SDK's endpoint resolver (rules evaluation: URL
// parsing, bucket-name checks, partition lookup) run once per distinct
// set of parameters instead of twice per request (the auth scheme
// resolver resolves the endpoint too). The rules are a pure function of
// the parameters and never read Key, Prefix or CopySource, so a cached
// result is the one the SDK would compute: virtual-host and path style,
// FIPS, dual-stack and custom endpoints all go through the SDK's rules.
type cachedEndpoints struct {
	next s3.EndpointResolverV2
	mu   sync.RWMutex
	m    map[endpointKey]smithyendpoints.Endpoint
}

// maxCachedEndpoints bounds the cache: a store uses one bucket, so a
// handful of parameter sets (object and bucket operations) is all it sees.
const maxCachedEndpoints = 32

func newCachedEndpoints() *cachedEndpoints {
	return &cachedEndpoints{next: s3.NewDefaultEndpointResolverV2(), m: map[endpointKey]smithyendpoints.Endpoint{}}
}

// endpointKey is EndpointParameters without the per-object members, by
// value (nil and the zero value differ, as they do to the rules).
type endpointKey struct {
	bucket, region, endpoint optString
	bools                    [12]int8 // 0 nil, 1 false, 2 true
}

type optString struct {
	set bool
	s   string
}

func optStr(p *string) optString {
	if p == nil {
		return optString{}
	}
	return optString{true, *p}
}

func optBool(p *bool) int8 {
	switch {
	case p == nil:
		return 0
	case *p:
		return 2
	}
	return 1
}

func keyOf(p s3.EndpointParameters) endpointKey {
	return endpointKey{
		bucket: optStr(p.Bucket), region: optStr(p.Region), endpoint: optStr(p.Endpoint),
		bools: [12]int8{
			optBool(p.UseFIPS), optBool(p.UseDualStack), optBool(p.ForcePathStyle), optBool(p.Accelerate),
			optBool(p.UseGlobalEndpoint), optBool(p.UseObjectLambdaEndpoint), optBool(p.DisableAccessPoints),
			optBool(p.DisableMultiRegionAccessPoints), optBool(p.UseArnRegion), optBool(p.UseS3ExpressControlEndpoint),
			optBool(p.DisableS3ExpressSessionAuth),
		},
	}
}

// ResolveEndpoint implements s3.EndpointResolverV2.
func (c *cachedEndpoints) ResolveEndpoint(ctx context.Context, p s3.EndpointParameters) (smithyendpoints.Endpoint, error) {
	k := keyOf(p)
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok {
		var err error
		if e, err = c.next.ResolveEndpoint(ctx, p); err != nil {
			return e, err
		}
		c.mu.Lock()
		if len(c.m) < maxCachedEndpoints {
			c.m[k] = e
		}
		c.mu.Unlock()
	}
	return withOwnAuthOptions(e), nil
}

// withOwnAuthOptions copies e's properties and its auth options: the
// SDK's auth scheme resolver merges its defaults into the options it gets
// from the endpoint, which must not write to the cached ones.
func withOwnAuthOptions(e smithyendpoints.Endpoint) smithyendpoints.Endpoint {
	var props smithy.Properties
	props.SetAll(&e.Properties)
	if opts, ok := smithyauth.GetAuthOptions(&e.Properties); ok {
		own := make([]*smithyauth.Option, len(opts))
		for i, o := range opts {
			c := &smithyauth.Option{SchemeID: o.SchemeID}
			c.IdentityProperties.SetAll(&o.IdentityProperties)
			c.SignerProperties.SetAll(&o.SignerProperties)
			own[i] = c
		}
		smithyauth.SetAuthOptions(&props, own)
	}
	e.Properties = props
	return e
}

// trimStack removes, from an operation's stack, the SDK middleware that
// only describe the client to AWS: user-agent feature flags and an
// invocation UUID per request (read from crypto/rand). None changes what
// S3 stores or returns; signing, checksums, 100-continue, the
// 200-with-error check, gzip disabling, clock-skew timing and retries all
// stay. A middleware the operation does not have is skipped.
func trimStack(stack *middleware.Stack) error {
	_, _ = stack.Serialize.Remove("isExpressUserAgent")
	for _, id := range []string{"ClientRequestID", "AWSChecksum:RequestMetricsTracking", "AWSChecksum:ResponseMetricsTracking"} {
		_, _ = stack.Build.Remove(id)
	}
	return nil
}

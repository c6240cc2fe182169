package lake

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/redact"
)

// Options configure Open. The zero value is ready to use: AWS settings
// come from the SDK's standard sources (environment, shared config,
// AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, instance roles).
type Options struct {
	// S3Endpoint is the URL of an S3-compatible server (MinIO, Ceph, ...);
	// empty means AWS or whatever AWS_ENDPOINT_URL(_S3) names.
	S3Endpoint string
	// S3PathStyle addresses buckets as endpoint/bucket/key instead of
	// bucket.endpoint/key; most S3-compatible servers need it.
	S3PathStyle bool
	// Region overrides AWS_REGION / the profile's region.
	Region string
	// Profile overrides AWS_PROFILE.
	Profile string
	// PartSize is the multipart upload and parallel download part size in
	// bytes (default 16 MiB, at least 5 MiB). Objects up to one part are
	// sent with a single request.
	PartSize int64
	// Concurrency is the number of parts in flight per upload or download
	// (default 4). Memory per transfer is about PartSize * (Concurrency+1).
	Concurrency int
	// MaxAttempts bounds the retry wrapper's attempts per operation
	// (default 5; 1 disables lakectl's retries).
	MaxAttempts int
	// Logger receives retries and other diagnostics (nil: discarded).
	Logger *slog.Logger
	// Timeouts bound connecting to S3 and each read or write on a
	// connection (zero: netx's defaults).
	Timeouts netx.Timeouts
}

// Defaults for Options.
const (
	DefaultPartSize    = 16 << 20
	MinPartSize        = 5 << 20
	DefaultConcurrency = 4
	DefaultMaxAttempts = 5
)

func (o Options) withDefaults() Options {
	if o.PartSize <= 0 {
		o.PartSize = DefaultPartSize
	}
	if o.PartSize < MinPartSize {
		o.PartSize = MinPartSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Location is a parsed lake URL.
type Location struct {
	Scheme string // "s3" or "file"
	Bucket string // s3 only
	Prefix string // s3: key prefix without leading or trailing '/'
	Path   string // file: absolute folder
}

// ParseURL parses a lake address: s3://bucket[/prefix], file:///abs/path,
// or a plain relative or absolute path (made absolute). Errors are usage
// errors naming the URL and what to write instead.
func ParseURL(rawURL string) (Location, error) {
	if strings.TrimSpace(rawURL) == "" {
		return Location{}, input.Errorf("lake URL is empty: give s3://bucket/prefix, file:///abs/path or a folder path")
	}
	scheme, rest, hasScheme := strings.Cut(rawURL, "://")
	if !hasScheme {
		if i := strings.Index(rawURL, ":"); i > 1 && !strings.ContainsAny(rawURL[:i], "/.") {
			return Location{}, input.Errorf("lake URL %q is not understood: give s3://bucket/prefix, file:///abs/path or a folder path", redact.Patterns(rawURL))
		}
		abs, err := filepath.Abs(rawURL)
		if err != nil {
			return Location{}, input.Errorf("lake path %q: %v", rawURL, err)
		}
		return Location{Scheme: "file", Path: abs}, nil
	}
	switch strings.ToLower(scheme) {
	case "s3":
		u, err := url.Parse(rawURL)
		if err != nil {
			return Location{}, input.Errorf("lake URL %q is malformed (%v): give s3://bucket/prefix", redact.Patterns(rawURL), err)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return Location{}, input.Errorf("lake URL %q must not carry credentials, a query or a fragment: give s3://bucket/prefix and set credentials the AWS way (AWS_PROFILE, environment)", redact.URL(u))
		}
		bucket := u.Host
		if bucket == "" || !validBucket(bucket) {
			return Location{}, input.Errorf("lake URL %q has no valid bucket name: give s3://bucket/prefix (bucket: 3-63 lowercase letters, digits, '.', '-')", redact.URL(u))
		}
		prefix := strings.Trim(u.Path, "/")
		if prefix != "" {
			if err := ValidKey(prefix); err != nil {
				return Location{}, input.Errorf("lake URL %q has an invalid prefix: %v", redact.URL(u), err)
			}
		}
		return Location{Scheme: "s3", Bucket: bucket, Prefix: prefix}, nil
	case "file":
		if strings.Contains(rest, "?") || strings.Contains(rest, "#") {
			return Location{}, input.Errorf("lake URL %q must not carry a query or fragment: give file:///abs/path", rawURL)
		}
		host, p, _ := strings.Cut(rest, "/")
		if host != "" && host != "localhost" {
			return Location{}, input.Errorf("lake URL %q names host %q: give file:///abs/path (three slashes) or a plain folder path", rawURL, host)
		}
		p = "/" + p
		if unescaped, err := url.PathUnescape(p); err == nil {
			p = unescaped
		}
		return Location{Scheme: "file", Path: filepath.Clean(p)}, nil
	default:
		return Location{}, input.Errorf("lake URL %q has unsupported scheme %q: give s3://bucket/prefix, file:///abs/path or a folder path", redact.Patterns(rawURL), scheme)
	}
}

// String returns the location's canonical URL.
func (l Location) String() string {
	if l.Scheme == "s3" {
		if l.Prefix == "" {
			return "s3://" + l.Bucket
		}
		return "s3://" + l.Bucket + "/" + l.Prefix
	}
	return "file://" + filepath.ToSlash(l.Path)
}

func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Open returns the Store at rawURL: s3://bucket/prefix (S3 or an
// S3-compatible endpoint, wrapped in the retry wrapper), file:///abs/path
// or a plain folder path (created by the first write). A malformed URL is a
// *input.Error. Open does not contact S3: a missing bucket or bad
// credentials show up on the first operation, with a message naming the
// bucket and endpoint. The caller closes the store.
func Open(ctx context.Context, rawURL string, opts Options) (Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	switch loc.Scheme {
	case "s3":
		s, err := NewS3Store(ctx, loc.Bucket, loc.Prefix, opts)
		if err != nil {
			return nil, err
		}
		return WithRetry(s, RetryOptions{MaxAttempts: opts.MaxAttempts, Logger: opts.Logger}), nil
	default:
		s, err := NewFileStore(loc.Path)
		if err != nil {
			return nil, fmt.Errorf("open lake %s: %w", loc, err)
		}
		return s, nil
	}
}

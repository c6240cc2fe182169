package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/lakectl/lakectl/internal/netx"
	"github.com/lakectl/lakectl/internal/redact"
)

// S3Store is a Store rooted at s3://bucket/prefix.
//
// Retries: the SDK's standard retryer retries each request (throttling,
// 5xx, connection errors, and 409 conflicts of conditional writes) with
// exponential backoff and jitter, up to Options.MaxAttempts, logging each
// retry; so one failed part of a multipart upload or one failed ranged GET
// is retried alone. Open wraps the store in WithRetry, which adds what
// happens outside a request: a response body that breaks mid-stream is
// resumed at the offset reached.
type S3Store struct {
	client    *s3.Client
	checksums bool // send CRC32 part checksums (AWS; not custom endpoints)
	bucket    string
	prefix    string // "" or "p/q/" (with the trailing slash)
	endpoint  string // for messages, redacted
	opts      Options
	requests  *requestCounts
}

// NewS3Store returns a store on bucket/prefix. It loads the AWS
// configuration the standard way (environment, shared config, AWS_PROFILE,
// AWS_REGION, AWS_ENDPOINT_URL_S3, instance roles) and applies opts on top.
// It does not contact S3.
func NewS3Store(ctx context.Context, bucket, prefix string, opts Options) (*S3Store, error) {
	opts = opts.withDefaults()
	endpoint := opts.S3Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return newSDKRetryer(opts) }),
		config.WithHTTPClient(s3HTTPClient(opts.Timeouts)),
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if endpoint != "" {
		// S3-compatible servers often reject the SDK's default CRC32 checksums.
		load = append(load,
			config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration for s3://%s: %s; check AWS_PROFILE and ~/.aws/config", bucket, redact.String(ctx, err.Error()))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	pathStyle := opts.S3PathStyle || needsPathStyle(endpoint)
	counts := &requestCounts{}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, counts.middleware, trimStack)
		o.EndpointResolverV2 = newCachedEndpoints()
		if opts.S3Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.S3Endpoint)
		}
		o.UsePathStyle = pathStyle
	})
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	shown := "AWS S3 (region " + cfg.Region + ")"
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err == nil {
			shown = redact.URL(u)
		} else {
			shown = redact.Patterns(endpoint)
		}
	}
	return &S3Store{client: client, checksums: endpoint == "", bucket: bucket, prefix: prefix, endpoint: shown, opts: opts, requests: counts}, nil
}

// needsPathStyle: virtual-host addressing cannot work on an IP address or
// localhost endpoint.
func needsPathStyle(endpoint string) bool {
	if endpoint == "" {
		return false
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || net.ParseIP(h) != nil
}

// Requests implements RequestCounter: the requests sent so far, retries
// included.
func (s *S3Store) Requests() map[string]int64 { return s.requests.Requests() }

// Client returns the underlying S3 client, for tests and benchmarks.
func (s *S3Store) Client() *s3.Client { return s.client }

func (s *S3Store) key(k string) string { return s.prefix + k }

// URL returns s3://bucket/prefix/key.
func (s *S3Store) URL(key string) string { return "s3://" + s.bucket + "/" + s.key(key) }

// Close releases idle connections.
func (s *S3Store) Close() error { return nil }

// Put implements Store: one PutObject up to one part (bodies that are not
// io.ReadSeekers are buffered, at most PartSize), a parallel multipart
// upload (multipartPut) above it or when the size is unknown.
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := ValidKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return ObjectInfo{}, fmt.Errorf("put %s: IfNoneMatch and IfMatch cannot be combined", key)
	}
	var etag string
	var err error
	if size >= 0 && size <= s.opts.PartSize {
		var body io.ReadSeeker
		if body, err = seekableBody(ctx, r, size); err != nil {
			return ObjectInfo{}, fmt.Errorf("put %s: read body: %w", key, err)
		}
		etag, err = s.singlePut(ctx, key, body, size, opts)
	} else {
		etag, size, err = s.multipartPut(ctx, key, r, size, opts)
	}
	if err != nil {
		return ObjectInfo{}, s.putErr(ctx, key, opts, err)
	}
	info := ObjectInfo{Key: key, ETag: etag, Size: size, ModTime: time.Now()}
	if info.ETag == "" {
		st, err := s.Stat(ctx, key)
		if err != nil {
			return ObjectInfo{}, fmt.Errorf("put %s: stat after upload: %w", key, err)
		}
		info = st
	}
	return info, nil
}

func (s *S3Store) putErr(ctx context.Context, key string, opts PutOptions, err error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	if code := apiCode(err); code == "NoSuchKey" && opts.IfMatch != "" {
		return fmt.Errorf("put %s if match: %w: %w", key, ErrPrecondition, ErrNotExist)
	}
	return s.opErr(ctx, "put", key, err)
}

// seekableBody returns r as an io.ReadSeeker of size bytes, buffering it
// when it is not one already (size is at most one part).
func seekableBody(ctx context.Context, r io.Reader, size int64) (io.ReadSeeker, error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if cur, err := rs.Seek(0, io.SeekCurrent); err == nil {
			if end, err := rs.Seek(0, io.SeekEnd); err == nil {
				if _, err := rs.Seek(cur, io.SeekStart); err == nil && end-cur == size {
					if _, ok := rs.(io.WriterTo); ok {
						// bytes.Reader, strings.Reader: the SDK hashes the
						// body without a copy buffer.
						return rs, nil
					}
					return io.NewSectionReader(readerAtOf(rs), cur, size), nil
				}
			}
		}
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(ctxReader{ctx: ctx, r: r}, buf); err != nil {
		return nil, err
	}
	// The declared size must be the whole body.
	if n, _ := io.ReadFull(r, make([]byte, 1)); n > 0 {
		return nil, fmt.Errorf("body is longer than the declared %d bytes", size)
	}
	return bytes.NewReader(buf), nil
}

// readerAtOf adapts a ReadSeeker to ReaderAt (serialised by seeks; used
// for one request at a time).
func readerAtOf(rs io.ReadSeeker) io.ReaderAt {
	if ra, ok := rs.(io.ReaderAt); ok {
		return ra
	}
	return seekReaderAt{rs}
}

type seekReaderAt struct{ rs io.ReadSeeker }

func (s seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.rs.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.rs, p)
}

// Get implements Store.
func (s *S3Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.GetRange(ctx, key, 0, -1)
}

// GetRange implements Store. The first part is streamed as it arrives;
// when the range spans more than one part, the rest is fetched by
// Concurrency parallel ranged GETs (each pinned to the first response's
// ETag) and delivered in order, holding at most Concurrency+1 parts.
func (s *S3Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := validRange(key, offset); err != nil {
		return nil, err
	}
	if length == 0 {
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	part := s.opts.PartSize
	first := part
	if length >= 0 && length < first {
		first = length
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.key(key)),
		Range:  byteRange(offset, offset+first),
	})
	if err != nil {
		if apiCode(err) == "InvalidRange" { // empty object, or offset at/after the end
			if _, serr := s.Stat(ctx, key); serr != nil {
				return nil, serr
			}
			return io.NopCloser(bytes.NewReader(nil)), nil
		}
		return nil, s.opErr(ctx, "get", key, err)
	}
	total, ok := rangeTotal(aws.ToString(out.ContentRange))
	if !ok {
		return out.Body, nil // the server ignored the range: the whole object
	}
	end := total
	if length >= 0 && offset+length < end {
		end = offset + length
	}
	firstEnd := offset + aws.ToInt64(out.ContentLength)
	if firstEnd >= end {
		return out.Body, nil
	}
	return newParallelReader(ctx, s, key, aws.ToString(out.ETag), out.Body, firstEnd, end), nil
}

// byteRange is the Range header for bytes [from, to).
func byteRange(from, to int64) *string {
	b := make([]byte, 0, 48)
	b = append(b, "bytes="...)
	b = strconv.AppendInt(b, from, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, to-1, 10)
	r := string(b)
	return &r
}

// rangeTotal parses the total size from "bytes a-b/total".
func rangeTotal(cr string) (int64, bool) {
	_, total, ok := strings.Cut(cr, "/")
	if !ok || total == "*" {
		return 0, false
	}
	n, err := strconv.ParseInt(total, 10, 64)
	return n, err == nil
}

// fetchRange reads bytes [from, to) of key at etag into buf.
func (s *S3Store) fetchRange(ctx context.Context, key, etag string, from, to int64, buf []byte) ([]byte, error) {
	in := &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.key(key)),
		Range:  byteRange(from, to),
	}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		if apiCode(err) == "PreconditionFailed" {
			return nil, fmt.Errorf("get %s: the object was replaced while it was read; retry", key)
		}
		return nil, s.opErr(ctx, "get", key, err)
	}
	defer out.Body.Close()
	buf = buf[:to-from]
	if _, err := io.ReadFull(out.Body, buf); err != nil {
		return nil, fmt.Errorf("get %s bytes %d-%d: %w", key, from, to-1, err)
	}
	return buf, nil
}

// Stat implements Store.
func (s *S3Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ValidKey(key); err != nil {
		return ObjectInfo{}, err
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	if err != nil {
		return ObjectInfo{}, s.opErr(ctx, "stat", key, err)
	}
	return ObjectInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), ModTime: aws.ToTime(out.LastModified)}, nil
}

// List implements Store with ListObjectsV2, one page (1000 keys) at a time.
func (s *S3Store) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	return s.ListFrom(ctx, prefix, "", fn)
}

// ListFrom implements ListerFrom with ListObjectsV2's StartAfter.
func (s *S3Store) ListFrom(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error {
	if strings.HasPrefix(prefix, "/") {
		return fmt.Errorf("list %q: prefixes are relative to the lake root and must not start with '/'", prefix)
	}
	in := &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.key(prefix)),
	}
	if startAfter != "" {
		in.StartAfter = aws.String(s.key(startAfter))
	}
	p := s3.NewListObjectsV2Paginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.opErr(ctx, "list", prefix, err)
		}
		for _, o := range page.Contents {
			info := ObjectInfo{
				Key:     strings.TrimPrefix(aws.ToString(o.Key), s.prefix),
				Size:    aws.ToInt64(o.Size),
				ETag:    aws.ToString(o.ETag),
				ModTime: aws.ToTime(o.LastModified),
			}
			if err := fn(info); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete implements Store.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	if err != nil && !errors.Is(s.opErr(ctx, "delete", key, err), ErrNotExist) {
		return s.opErr(ctx, "delete", key, err)
	}
	return nil
}

// maxCopySize is the largest object CopyObject copies in one request.
const maxCopySize = 5 << 30

// Move implements Store with CopyObject then DeleteObject.
func (s *S3Store) Move(ctx context.Context, src, dst string) error {
	if err := s.Copy(ctx, src, dst); err != nil {
		return err
	}
	if src == dst {
		return nil
	}
	if err := s.Delete(ctx, src); err != nil {
		return fmt.Errorf("move %s to %s: copied, but %w", src, dst, err)
	}
	return nil
}

// Copy implements Copier with CopyObject.
func (s *S3Store) Copy(ctx context.Context, src, dst string) error {
	if err := ValidKey(src); err != nil {
		return err
	}
	if err := ValidKey(dst); err != nil {
		return err
	}
	if src == dst {
		_, err := s.Stat(ctx, src)
		return err
	}
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(s.bucket),
		Key:        aws.String(s.key(dst)),
		CopySource: aws.String(url.PathEscape(s.bucket) + "/" + escapeKey(s.key(src))),
	})
	if err != nil {
		werr := s.opErr(ctx, "move "+src+" to", dst, err)
		if errors.Is(werr, ErrNotExist) {
			if _, derr := s.Stat(ctx, dst); derr == nil {
				return nil // already moved: roll-forward
			}
			return fmt.Errorf("move %s to %s: %w", src, dst, ErrNotExist)
		}
		if c := apiCode(err); c == "EntityTooLarge" || c == "InvalidRequest" {
			if st, serr := s.Stat(ctx, src); serr == nil && st.Size > maxCopySize {
				return fmt.Errorf("move %s to %s: the object is %d bytes, above the 5 GiB a single server-side copy allows; lakectl does not move objects that large", src, dst, st.Size)
			}
		}
		return werr
	}
	return nil
}

// escapeKey escapes a key for CopySource, keeping its slashes.
func escapeKey(k string) string {
	parts := strings.Split(k, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// apiCode returns the S3 error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of an S3 error, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// opErr turns an SDK error into one line that names what failed and what
// to do, wrapping ErrNotExist / ErrPrecondition where they apply.
func (s *S3Store) opErr(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%s %s: %w", op, key, cerr)
	}
	noun := s.URL(key)
	code, status := apiCode(err), httpStatus(err)
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	switch {
	case code == "NoSuchBucket":
		return &permanentError{msg: fmt.Sprintf("%s %s: bucket %s does not exist at %s; create it or fix the URL", op, noun, s.bucket, s.endpoint), err: errors.Join(ErrNoBucket, err)}
	case errors.As(err, &nsk) || errors.As(err, &nf) || code == "NoSuchKey" || code == "NotFound" || status == 404:
		return fmt.Errorf("%s %s: %w", op, noun, ErrNotExist)
	case code == "PreconditionFailed" || status == 412:
		return fmt.Errorf("%s %s: %w", op, noun, ErrPrecondition)
	case code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" || status == 403:
		return &permanentError{msg: fmt.Sprintf("%s %s: access denied by %s (%s); check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and the bucket policy", op, noun, s.endpoint, codeOr(code, status)), err: err}
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || status == 301:
		return &permanentError{msg: fmt.Sprintf("%s %s: bucket %s is in another region; set AWS_REGION to the bucket's region", op, noun, s.bucket), err: err}
	}
	if te, ok := netx.AsTimeout(err); ok {
		return &permanentError{msg: fmt.Sprintf("%s %s: S3 endpoint %s", op, noun, te), err: err}
	}
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &de) || (errors.As(err, &oe) && oe.Op == "dial") {
		return &permanentError{msg: fmt.Sprintf("%s %s: cannot reach S3 endpoint %s (%s)", op, noun, s.endpoint, redact.String(ctx, netReason(err))), err: errors.Join(ErrUnreachable, err)}
	}
	return fmt.Errorf("%s %s at %s: %w", op, noun, s.endpoint, err)
}

func codeOr(code string, status int) string {
	if code != "" {
		return code
	}
	return "HTTP " + strconv.Itoa(status)
}

func netReason(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Error()
	}
	return err.Error()
}

// permanentError keeps a one-line message while still wrapping the SDK
// error for errors.As (the classifier must see the status).
type permanentError struct {
	msg string
	err error
}

func (e *permanentError) Error() string { return e.msg }
func (e *permanentError) Unwrap() error { return e.err }

// logRetry logs one retried request or operation.
func logRetry(l *slog.Logger, what string, attempt int, delay time.Duration, err error) {
	l.Warn("retrying", "op", what, "attempt", attempt, "delay", delay.Round(time.Millisecond), "err", redact.Patterns(err.Error()))
}

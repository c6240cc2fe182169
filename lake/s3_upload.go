package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// maxParts is S3's limit of parts per multipart upload.
const maxParts = 10000

// multipartPut uploads r as a multipart upload with Concurrency parts in
// flight. A body that is an io.ReaderAt of known size is sent in sections
// without copying; any other body is read into a pool of Concurrency+1 part
// buffers, so memory stays bounded whatever the size. When an unknown-size
// body turns out to fit in one part it is sent with one PutObject. The
// conditions go on CompleteMultipartUpload, so a losing upload never
// becomes visible; a failed or cancelled upload is aborted.
func (s *S3Store) multipartPut(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (etag string, n int64, err error) {
	partSize := s.opts.PartSize
	if size > 0 && (size+partSize-1)/partSize > maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	ra, base, isAt := sectionSource(r, size)
	// Read the first part before creating the upload: a short unknown-size
	// body is a single PutObject.
	var first []byte
	if !isAt {
		var err error
		first, err = readFirstPart(ctxReader{ctx: ctx, r: r}, partSize)
		switch {
		case err == io.EOF:
			if n := len(first); size >= 0 && int64(n) != size {
				return "", 0, fmt.Errorf("body is %d bytes, declared %d", n, size)
			}
			etag, err := s.singlePut(ctx, key, bytes.NewReader(first), int64(len(first)), opts)
			return etag, int64(len(first)), err
		case err != nil:
			return "", 0, err
		}
	}
	u, err := s.createUpload(ctx, key, partSize)
	if err != nil {
		return "", 0, err
	}
	var readErr error
	if isAt {
		readErr = u.sendSections(ra, base, size)
	} else {
		readErr = u.sendStream(r, first)
	}
	etag, err = u.complete(ctx, readErr, size, opts)
	return etag, u.total, err
}

// sectionSource returns r as an io.ReaderAt and its current offset when
// it is one and a Seeker (bytes.Reader, os.File) of known size: it is then
// read in sections from that offset.
func sectionSource(r io.Reader, size int64) (io.ReaderAt, int64, bool) {
	ra, isAt := r.(io.ReaderAt)
	sk, ok := r.(io.Seeker)
	if !isAt || !ok || size < 0 {
		return nil, 0, false
	}
	base, err := sk.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, false
	}
	return ra, base, true
}

// upload is one multipart upload in flight: its parts are sent by a group
// of at most Concurrency goroutines.
type upload struct {
	s        *S3Store
	key      string
	id       *string
	partSize int64
	g        *errgroup.Group
	gctx     context.Context
	parts    chan types.CompletedPart
	total    int64 // bytes handed to send
}

func (s *S3Store) createUpload(ctx context.Context, key string, partSize int64) (*upload, error) {
	create := &s3.CreateMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))}
	if s.checksums {
		create.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
	}
	up, err := s.client.CreateMultipartUpload(ctx, create)
	if err != nil {
		return nil, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Concurrency)
	return &upload{s: s, key: key, id: up.UploadId, partSize: partSize, g: g, gctx: gctx,
		parts: make(chan types.CompletedPart, maxParts)}, nil
}

// send uploads part num, n bytes of body, and calls done when it is sent
// or failed.
func (u *upload) send(num int32, body io.ReadSeeker, n int64, done func()) {
	u.total += n
	u.g.Go(func() error {
		defer done()
		in := &s3.UploadPartInput{
			Bucket: aws.String(u.s.bucket), Key: aws.String(u.s.key(u.key)), UploadId: u.id,
			PartNumber: aws.Int32(num), Body: body, ContentLength: aws.Int64(n),
		}
		if u.s.checksums {
			in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
		}
		out, err := u.s.client.UploadPart(u.gctx, in)
		if err != nil {
			return fmt.Errorf("part %d: %w", num, err)
		}
		u.parts <- types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
		return nil
	})
}

// sendSections sends size bytes of ra from base, a section per part,
// without copying them.
func (u *upload) sendSections(ra io.ReaderAt, base, size int64) error {
	num := int32(0)
	for off := int64(0); off < size; off += u.partSize {
		num++
		n := min(u.partSize, size-off)
		u.send(num, io.NewSectionReader(ra, base+off, n), n, func() {})
		if u.gctx.Err() != nil {
			return nil
		}
	}
	return nil
}

// sendStream sends first, then r part by part, through a pool of
// Concurrency+1 part buffers (first is one of them).
func (u *upload) sendStream(r io.Reader, first []byte) error {
	free := make(chan []byte, u.s.opts.Concurrency+1)
	for range u.s.opts.Concurrency {
		free <- nil // allocated on first use
	}
	buf, n := first, int64(len(first))
	for num := int32(1); ; num++ {
		if num > maxParts {
			return fmt.Errorf("body exceeds %d parts of %d bytes; raise the part size", maxParts, u.partSize)
		}
		b := buf
		u.send(num, bytes.NewReader(b[:n]), n, func() { free <- b })
		select {
		case buf = <-free:
		case <-u.gctx.Done():
			return nil
		}
		if buf == nil {
			buf = make([]byte, u.partSize)
		}
		m, err := io.ReadFull(ctxReader{ctx: u.gctx, r: r}, buf)
		if m == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
			return nil
		}
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
		n = int64(m)
		if err != nil { // the last, short part
			u.send(num+1, bytes.NewReader(buf[:n]), n, func() {})
			return nil
		}
	}
}

// complete waits for the parts and completes the upload with the
// conditions of opts, or aborts it when reading or a part failed.
func (u *upload) complete(ctx context.Context, readErr error, size int64, opts PutOptions) (string, error) {
	werr := u.g.Wait()
	close(u.parts)
	var parts []types.CompletedPart
	for p := range u.parts {
		parts = append(parts, p)
	}
	if err := errors.Join(readErr, werr); err != nil {
		u.abort(ctx)
		if cerr := ctx.Err(); cerr != nil {
			return "", cerr
		}
		return "", err
	}
	if size >= 0 && u.total != size {
		u.abort(ctx)
		return "", fmt.Errorf("body is %d bytes, declared %d", u.total, size)
	}
	sort.Slice(parts, func(i, j int) bool { return aws.ToInt32(parts[i].PartNumber) < aws.ToInt32(parts[j].PartNumber) })
	in := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(u.s.bucket), Key: aws.String(u.s.key(u.key)), UploadId: u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(opts.IfMatch)
	}
	out, err := u.s.client.CompleteMultipartUpload(ctx, in)
	if err != nil {
		u.abort(ctx)
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// abort aborts the upload. The caller's context may be cancelled: abort on
// a fresh one so the parts do not linger (and bill) in the bucket.
func (u *upload) abort(ctx context.Context) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, _ = u.s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(u.s.bucket), Key: aws.String(u.s.key(u.key)), UploadId: u.id})
}

// readFirstPart reads up to size bytes, growing its buffer as they come,
// so that a body smaller than a part (most compaction outputs and
// records) holds its own size in memory, not a whole part. It returns
// io.EOF when the body ended before size bytes.
func readFirstPart(r io.Reader, size int64) ([]byte, error) {
	buf := make([]byte, 0, min(size, 256<<10))
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// singlePut stores a body of known size with one PutObject.
func (s *S3Store) singlePut(ctx context.Context, key string, body io.ReadSeeker, size int64, opts PutOptions) (string, error) {
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), Body: body, ContentLength: aws.Int64(size)}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(opts.IfMatch)
	}
	out, err := s.client.PutObject(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

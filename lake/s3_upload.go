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
func (s *S3Store) multipartPut(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (string, error) {
	partSize := s.opts.PartSize
	if size > 0 && (size+partSize-1)/partSize > maxParts {
		partSize = (size + maxParts - 1) / maxParts
	}
	// A ReaderAt+Seeker (bytes.Reader, os.File) is read in sections from
	// its current offset.
	ra, isAt := r.(io.ReaderAt)
	var base int64
	if sk, ok := r.(io.Seeker); isAt && ok && size >= 0 {
		var err error
		if base, err = sk.Seek(0, io.SeekCurrent); err != nil {
			isAt = false
		}
	} else {
		isAt = false
	}

	// Read the first part before creating the upload: a short unknown-size
	// body is a single PutObject.
	free := make(chan []byte, s.opts.Concurrency+1)
	var first []byte
	if !isAt {
		var err error
		first, err = readFirstPart(ctxReader{ctx: ctx, r: r}, partSize)
		switch {
		case err == io.EOF:
			if n := len(first); size >= 0 && int64(n) != size {
				return "", fmt.Errorf("body is %d bytes, declared %d", n, size)
			}
			return s.singlePut(ctx, key, bytes.NewReader(first), int64(len(first)), opts)
		case err != nil:
			return "", err
		}
		for range s.opts.Concurrency {
			free <- nil // allocated on first use
		}
	}

	create := &s3.CreateMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))}
	if s.checksums {
		create.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
	}
	up, err := s.client.CreateMultipartUpload(ctx, create)
	if err != nil {
		return "", err
	}
	uploadID := up.UploadId
	abort := func() {
		// The caller's context may be cancelled: abort on a fresh one so the
		// parts do not linger (and bill) in the bucket.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = s.client.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), UploadId: uploadID})
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.opts.Concurrency)
	var parts []types.CompletedPart
	partsCh := make(chan types.CompletedPart, maxParts)
	var total int64
	send := func(num int32, body io.ReadSeeker, n int64, done func()) {
		g.Go(func() error {
			defer done()
			in := &s3.UploadPartInput{
				Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), UploadId: uploadID,
				PartNumber: aws.Int32(num), Body: body, ContentLength: aws.Int64(n),
			}
			if s.checksums {
				in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
			}
			out, err := s.client.UploadPart(gctx, in)
			if err != nil {
				return fmt.Errorf("part %d: %w", num, err)
			}
			partsCh <- types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32}
			return nil
		})
	}

	readErr := func() error {
		num := int32(0)
		if isAt {
			for off := int64(0); off < size; off += partSize {
				num++
				n := min(partSize, size-off)
				send(num, io.NewSectionReader(ra, base+off, n), n, func() {})
				total += n
				if gctx.Err() != nil {
					return nil
				}
			}
			return nil
		}
		buf, n := first, int64(len(first))
		for {
			num++
			if num > maxParts {
				return fmt.Errorf("body exceeds %d parts of %d bytes; raise the part size", maxParts, partSize)
			}
			b := buf
			send(num, bytes.NewReader(b[:n]), n, func() { free <- b })
			total += n
			select {
			case buf = <-free:
			case <-gctx.Done():
				return nil
			}
			if buf == nil {
				buf = make([]byte, partSize)
			}
			m, err := io.ReadFull(ctxReader{ctx: gctx, r: r}, buf)
			if m == 0 && (err == io.EOF || err == io.ErrUnexpectedEOF) {
				return nil
			}
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return err
			}
			n = int64(m)
			if err != nil { // the last, short part
				num++
				last := buf
				send(num, bytes.NewReader(last[:n]), n, func() {})
				total += n
				return nil
			}
		}
	}()
	werr := g.Wait()
	close(partsCh)
	for p := range partsCh {
		parts = append(parts, p)
	}
	if err := errors.Join(readErr, werr); err != nil {
		abort()
		if cerr := ctx.Err(); cerr != nil {
			return "", cerr
		}
		return "", err
	}
	if size >= 0 && total != size {
		abort()
		return "", fmt.Errorf("body is %d bytes, declared %d", total, size)
	}
	sort.Slice(parts, func(i, j int) bool { return aws.ToInt32(parts[i].PartNumber) < aws.ToInt32(parts[j].PartNumber) })
	complete := &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	if opts.IfNoneMatch {
		complete.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		complete.IfMatch = aws.String(opts.IfMatch)
	}
	out, err := s.client.CompleteMultipartUpload(ctx, complete)
	if err != nil {
		abort()
		return "", err
	}
	return aws.ToString(out.ETag), nil
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

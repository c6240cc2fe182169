package lake

import (
	"context"
	"sync/atomic"

	"github.com/aws/smithy-go/middleware"
)

// Request types, as S3 bills them (a multipart upload's create, parts
// and completion are PUT-class requests; its abort is counted with the
// deletes).
const (
	ReqList   = "LIST"
	ReqGet    = "GET"
	ReqPut    = "PUT"
	ReqHead   = "HEAD"
	ReqDelete = "DELETE"
	ReqCopy   = "COPY"
)

// RequestTypes lists the request types in display order.
var RequestTypes = []string{ReqList, ReqGet, ReqPut, ReqHead, ReqDelete, ReqCopy}

// RequestCounter is implemented by stores that count the requests they
// send (S3: every attempt, retries included, since each is billed).
type RequestCounter interface {
	// Requests returns the counts so far by type (ReqList, ...); every
	// type is present.
	Requests() map[string]int64
}

// Requests returns s's request counts, looking through wrappers (the
// retry wrapper) for a RequestCounter; nil when the store counts none
// (a local folder).
func Requests(s Store) map[string]int64 {
	if rc, ok := As[RequestCounter](s); ok {
		return rc.Requests()
	}
	return nil
}

// requestCounts counts S3 requests by type.
type requestCounts struct {
	n [6]atomic.Int64 // indexed like RequestTypes
}

// opType maps an S3 API operation to its billed request type.
var opType = map[string]int{
	"ListObjectsV2": 0, "ListObjects": 0, "ListParts": 0, "ListMultipartUploads": 0,
	"GetObject": 1,
	"PutObject": 2, "CreateMultipartUpload": 2, "UploadPart": 2, "CompleteMultipartUpload": 2,
	"HeadObject": 3, "HeadBucket": 3,
	"DeleteObject": 4, "DeleteObjects": 4, "AbortMultipartUpload": 4,
	"CopyObject": 5, "UploadPartCopy": 5,
}

func (c *requestCounts) Requests() map[string]int64 {
	m := make(map[string]int64, len(RequestTypes))
	for i, t := range RequestTypes {
		m[t] = c.n[i].Load()
	}
	return m
}

// middleware counts each attempt as it is sent: it sits in the
// deserialize step, below the SDK's retry loop. The counter itself is the
// middleware, so adding it to each request's stack allocates nothing.
func (c *requestCounts) middleware(stack *middleware.Stack) error {
	return stack.Deserialize.Add(c, middleware.After)
}

// ID implements middleware.DeserializeMiddleware.
func (c *requestCounts) ID() string { return "lakectl.countRequests" }

// HandleDeserialize implements middleware.DeserializeMiddleware.
func (c *requestCounts) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	if i, ok := opType[middleware.GetOperationName(ctx)]; ok {
		c.n[i].Add(1)
	}
	return next.HandleDeserialize(ctx, in)
}

package lake

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// BatchDeleter is the optional ability to delete many objects in one
// request (S3's DeleteObjects, 1,000 keys each): a commit that removes
// thousands of compacted inputs then costs a few requests, not one each.
type BatchDeleter interface {
	// DeleteKeys deletes the keys; missing ones are not an error. On an
	// error some keys may be deleted and others not: the caller deletes
	// them one by one (Delete), which reports each.
	DeleteKeys(ctx context.Context, keys []string) error
}

// Copier is the optional ability to copy an object server-side: Move's
// first half, for a caller that deletes the sources later in one batch
// (BatchDeleter). Like Move it is idempotent for roll-forward: when src
// is missing and dst exists, it returns nil.
type Copier interface {
	Copy(ctx context.Context, src, dst string) error
}

// maxBatchDelete is the most keys S3 deletes in one DeleteObjects.
const maxBatchDelete = 1000

// DeleteKeys implements BatchDeleter with DeleteObjects.
func (s *S3Store) DeleteKeys(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		batch := keys[:min(len(keys), maxBatchDelete)]
		keys = keys[len(batch):]
		objs := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			if err := ValidKey(k); err != nil {
				return err
			}
			objs[i] = types.ObjectIdentifier{Key: aws.String(s.key(k))}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(s.bucket),
			Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)}})
		if err != nil {
			return s.opErr(ctx, "delete", batch[0], err)
		}
		for _, e := range out.Errors {
			if code := aws.ToString(e.Code); code != "NoSuchKey" {
				return fmt.Errorf("delete %s: %s: %s", aws.ToString(e.Key), code, aws.ToString(e.Message))
			}
		}
	}
	return nil
}

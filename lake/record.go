package lake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxRecordBytes bounds what GetJSON reads. Records are small; the largest,
// a commit record listing 100k files or a catalog file index, is a few
// tens of MB.
const maxRecordBytes = 1 << 30

// PutJSON stores v at key as an indented JSON document, with opts making
// the put conditional. It returns the stored object's info, whose ETag is
// the one to match in a later If-Match put. Store errors are returned as
// the store gave them (they name the key and wrap ErrPrecondition or
// ErrNotExist where those apply).
func PutJSON(ctx context.Context, s Store, key string, v any, opts PutOptions) (ObjectInfo, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("encode %s: %w", key, err)
	}
	return s.Put(ctx, key, bytes.NewReader(b), int64(len(b)), opts)
}

// GetJSON decodes the JSON document at key into v. A missing object is an
// error wrapping ErrNotExist.
//
// It costs one request and so knows no ETag (Store.Get gives none): a
// caller that will replace the object with If-Match Stats it first and
// matches that ETag, so that a write in between makes the put fail.
func GetJSON(ctx context.Context, s Store, key string, v any) error {
	rc, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	// Read whole first, so that a connection cut mid-body is an I/O error
	// to retry and only bad bytes are a CorruptError.
	b, err := io.ReadAll(io.LimitReader(rc, maxRecordBytes))
	if err != nil {
		return fmt.Errorf("read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &CorruptError{Key: key, Err: err}
	}
	return nil
}

// ErrCorrupt matches every *CorruptError (errors.Is).
var ErrCorrupt = errors.New("unreadable record")

// CorruptError is a record that exists but does not decode: truncated or
// overwritten by something else. What to do is the caller's call: a cache
// is rebuilt, anything else is set aside by the lake's repair.
type CorruptError struct {
	Key string
	Err error // the decoder's error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("record %s is unreadable (%v)", e.Key, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCorrupt) hold.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

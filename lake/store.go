// Package lake owns the object store that holds the lake (S3 or a local
// folder) and the lake's layout: where tables, raw responses and lakectl's
// own records live.
package lake

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors a Store returns, to be tested with errors.Is.
var (
	// ErrNotExist: the object does not exist.
	ErrNotExist = errors.New("object does not exist")
	// ErrPrecondition: a conditional put failed (the object already exists
	// for IfNoneMatch, or its ETag differs for IfMatch).
	ErrPrecondition = errors.New("precondition failed")
	// ErrNoBucket: the S3 bucket a URL names does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrUnreachable: the store's endpoint cannot be dialled (DNS, refused
	// connection); the command layer says which setting names it.
	ErrUnreachable = errors.New("endpoint unreachable")
)

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key     string    // relative to the store's root, '/'-separated
	Size    int64     // bytes
	ETag    string    // opaque; changes whenever the content changes
	ModTime time.Time // last write
}

// PutOptions make a Put conditional. The zero value overwrites unconditionally.
type PutOptions struct {
	// IfNoneMatch creates the object only if no object exists at the key
	// (S3 If-None-Match: *). Used for commit records and locks.
	IfNoneMatch bool
	// IfMatch replaces the object only if its current ETag equals this one
	// (S3 If-Match). Used to refresh or take over a lock without racing.
	IfMatch string
}

// Store is a flat key space of immutable-until-replaced objects. Keys are
// '/'-separated paths relative to the lake root, never starting with '/'.
//
// Every method takes a context and stops when it is cancelled. Errors wrap
// ErrNotExist or ErrPrecondition where those apply, and name the key.
type Store interface {
	// Put stores the object atomically: readers see the old object or the
	// new one, never part of it. size is the length of r, or -1 if unknown.
	// It returns the new object's info (ETag at least).
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// Get streams the object. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// GetRange streams length bytes from offset (length < 0: to the end).
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Stat returns the object's info, or ErrNotExist.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List calls fn for every object whose key starts with prefix, in
	// lexical key order, without holding the whole listing in memory.
	// An error from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Delete removes the object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// Move makes src's content appear at dst (atomically, as Put) and then
	// removes src: a rename on a local folder, a server-side copy and
	// delete on S3. It is idempotent for roll-forward: when src is missing
	// and dst exists, it returns nil.
	Move(ctx context.Context, src, dst string) error
	// URL is the object's address as other engines name it: s3://bucket/key
	// or an absolute local path. Used for manifests, DuckDB and COPY.
	URL(key string) string
	// Close releases the store's resources.
	Close() error
}

// Syncer is implemented by stores whose unconditional Puts are atomic but
// not yet durable against a power loss (a local folder: no fsync per
// object, which would cost milliseconds each). Sync makes every object put
// so far durable. Conditional Puts (commit records, locks) are durable by
// themselves; a transaction calls Sync before its commit record, so the
// files a commit names are on disk before the commit is.
type Syncer interface {
	Sync(ctx context.Context) error
}

// Sync makes s's objects durable when s, or a store it wraps, is a
// Syncer; other stores (S3) are durable at every Put.
func Sync(ctx context.Context, s Store) error {
	if sy, ok := As[Syncer](s); ok {
		return sy.Sync(ctx)
	}
	return nil
}

// ListerFrom is implemented by stores that can start a listing after a
// key without reading the keys before it (S3's StartAfter), which keeps
// the listing of a long-lived landing prefix proportional to what is new.
type ListerFrom interface {
	// ListFrom is List over the keys under prefix that sort after
	// startAfter ("" lists them all).
	ListFrom(ctx context.Context, prefix, startAfter string, fn func(ObjectInfo) error) error
}

// ListFrom lists the keys under prefix after startAfter, with the store's
// own ListFrom when it has one, else by skipping the keys before it.
func ListFrom(ctx context.Context, s Store, prefix, startAfter string, fn func(ObjectInfo) error) error {
	if lf, ok := As[ListerFrom](s); ok {
		return lf.ListFrom(ctx, prefix, startAfter, fn)
	}
	return s.List(ctx, prefix, func(o ObjectInfo) error {
		if o.Key <= startAfter {
			return nil
		}
		return fn(o)
	})
}

package lake

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// FileStore is a Store on a local folder: one file per object, keys are
// paths below the root.
//
// Atomicity and concurrency, within and across processes:
//   - Put writes a temporary file (".lakectl-tmp-*", never listed) in the
//     object's own folder, fsyncs it and renames it over the key, so readers
//     see the old or the new object.
//   - IfNoneMatch publishes the temporary file with link(2), which fails
//     when the key exists: exactly one of concurrent creators wins.
//   - IfMatch, Delete and Move's removal of the source hold an exclusive
//     flock(2) on the object's folder while they check and change it, so an
//     If-Match check cannot interleave with another If-Match, a Delete or a
//     Move of an object in that folder. Unconditional Puts do not lock: the
//     last writer wins, as on S3.
//   - Conditional puts also fsync the folder, so a commit record or lock
//     that was reported written survives a crash.
//   - Delete and Move prune folders left empty; writers retry when their
//     folder vanishes under them, and the folder lock re-checks that the
//     locked folder is still the one at the path.
//
// The ETag is a hash of the file's inode, size and mtime in nanoseconds:
// every Put creates a new file, so it changes whenever the content does.
type FileStore struct {
	root string

	mu       sync.Mutex
	dirs     map[string]struct{} // folders known to exist, to skip MkdirAll
	modeFits atomic.Int32        // modeUnknown, modeFits or modeNarrowed
}

// NewFileStore returns a store rooted at the absolute folder root, which
// is created by the first Put.
func NewFileStore(root string) (*FileStore, error) {
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("file store root %q is not an absolute path", root)
	}
	root = filepath.Clean(root)
	// The folder is made by the first Put, so that reading a mistyped
	// lake path creates nothing.
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("lake folder %s is a file", root)
	}
	return &FileStore{root: root}, nil
}

// Exists reports whether the lake folder exists (it does once anything
// was put).
func (s *FileStore) Exists() bool {
	fi, err := os.Stat(s.root)
	return err == nil && fi.IsDir()
}

// Root returns the store's absolute folder.
func (s *FileStore) Root() string { return s.root }

func (s *FileStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// URL returns the object's absolute path.
func (s *FileStore) URL(key string) string { return s.path(key) }

// LocalPath is the file of key on this machine (the local-files ability
// of warehouse/driver).
func (s *FileStore) LocalPath(key string) string { return s.path(key) }

// Close does nothing: the file store holds no resources.
func (s *FileStore) Close() error { return nil }

// maxDirRetries bounds the retries when a concurrent Delete prunes the
// folder a writer has just created.
const maxDirRetries = 20

// Sync flushes the file system that holds the lake (syncfs(2)): one call
// makes every object put so far durable.
func (s *FileStore) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := os.Open(s.root)
	if err != nil {
		return fmt.Errorf("sync lake %s: %w", s.root, err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("sync lake %s: %w", s.root, err)
	}
	return nil
}

// Put implements Store.
func (s *FileStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := ValidKey(key); err != nil {
		return ObjectInfo{}, err
	}
	conditional := opts.IfNoneMatch || opts.IfMatch != ""
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return ObjectInfo{}, fmt.Errorf("put %s: IfNoneMatch and IfMatch cannot be combined", key)
	}
	final := s.path(key)
	dir := filepath.Dir(final)
	// Records and locks are durable at once; other objects at the next
	// Sync (see Syncer).
	tmp, fi, err := s.writeTemp(ctx, dir, r, size, conditional)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if err := s.publish(key, tmp, final, opts); err != nil {
		_ = os.Remove(tmp)
		if errors.Is(err, ErrPrecondition) {
			return ObjectInfo{}, err
		}
		return ObjectInfo{}, fmt.Errorf("put %s: %w", key, err)
	}
	if conditional {
		// Conditional puts are commit records and locks: make the new name
		// survive a crash, not only the bytes.
		if err := syncDir(dir); err != nil {
			return ObjectInfo{}, fmt.Errorf("put %s: sync folder: %w", key, err)
		}
	}
	return fileInfo(key, fi), nil
}

// writeTemp writes r to a new temporary file in dir, fsynced when
// durable, and returns its path and Stat. On error nothing is left.
func (s *FileStore) writeTemp(ctx context.Context, dir string, r io.Reader, size int64, durable bool) (string, fs.FileInfo, error) {
	f, err := s.createTemp(dir)
	if err != nil {
		return "", nil, err
	}
	tmp := f.Name()
	buf := copyBufs.Get().(*[]byte)
	// writerOnly hides os.File's ReadFrom, which would allocate its own
	// buffer for a reader that is not a file.
	n, err := io.CopyBuffer(writerOnly{f}, ctxReader{ctx: ctx, r: r}, *buf)
	copyBufs.Put(buf)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("read %d bytes, expected %d", n, size)
	}
	if err == nil {
		err = s.fixMode(f)
	}
	if err == nil && durable {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = stampTemp(tmp)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", nil, err
	}
	return tmp, fi, nil
}

// stampTemp sets a written temporary file's mtime to now and returns its
// Stat, with the mode other engines need to read the lake.
func stampTemp(tmp string) (fs.FileInfo, error) {
	// The kernel stamps mtime from a coarse clock (a few ms); stamp it to
	// the nanosecond so that the ETag differs between quick puts.
	now := time.Now()
	if err := os.Chtimes(tmp, now, now); err != nil {
		return nil, err
	}
	fi, err := os.Stat(tmp)
	if err != nil || fi.Mode().Perm() == objectMode {
		return fi, err
	}
	// A umask narrowed the mode it was created with. chmod leaves mtime,
	// and so the ETag, as it is.
	if err := os.Chmod(tmp, objectMode); err != nil {
		return nil, err
	}
	return os.Stat(tmp)
}

// publish renames the temporary file tmp to final as opts allow.
func (s *FileStore) publish(key, tmp, final string, opts PutOptions) error {
	switch {
	case opts.IfNoneMatch:
		err := os.Link(tmp, final)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("put %s if none match: %w: the object exists", key, ErrPrecondition)
		}
		if err == nil {
			_ = os.Remove(tmp) // the object is published; a leftover temp is never listed
			return nil
		}
		if !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.ENOTSUP) {
			return err
		}
		// No hard links on this file system: check and rename under the
		// folder lock.
		return s.renameIf(key, tmp, final, func(cur fs.FileInfo, err error) error {
			if err == nil {
				return fmt.Errorf("put %s if none match: %w: the object exists", key, ErrPrecondition)
			}
			return nil
		})
	case opts.IfMatch != "":
		return s.renameIf(key, tmp, final, func(cur fs.FileInfo, err error) error {
			if err != nil {
				return fmt.Errorf("put %s if match: %w: %w", key, ErrPrecondition, ErrNotExist)
			}
			if fileETag(cur) != opts.IfMatch {
				return fmt.Errorf("put %s if match %s: %w: its ETag is %s", key, opts.IfMatch, ErrPrecondition, fileETag(cur))
			}
			return nil
		})
	}
	// rename(2) itself: os.Rename first Lstats final, a syscall per put,
	// to refuse a folder there, which rename(2) refuses all the same.
	if err := syscall.Rename(tmp, final); err != nil {
		return &os.LinkError{Op: "rename", Old: tmp, New: final, Err: err}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// renameIf renames tmp to final under the folder lock when check, given
// the current object's Stat, returns nil.
func (s *FileStore) renameIf(key, tmp, final string, check func(fs.FileInfo, error) error) error {
	unlock, err := lockDir(filepath.Dir(final))
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := os.Stat(final)
	if err == nil && cur.IsDir() {
		err = fs.ErrNotExist
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := check(cur, err); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// Get implements Store.
func (s *FileStore) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.GetRange(ctx, key, 0, -1)
}

// GetRange implements Store.
func (s *FileStore) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := validRange(key, offset); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, notExist("get", key, err)
	}
	if fi, err := f.Stat(); err != nil || fi.IsDir() {
		_ = f.Close()
		return nil, fmt.Errorf("get %s: %w", key, ErrNotExist)
	}
	var r io.Reader = f
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("get %s at %d: %w", key, offset, err)
		}
	}
	if length >= 0 {
		r = io.LimitReader(f, length)
	}
	return ctxReadCloser{ctxReader: ctxReader{ctx: ctx, r: r}, c: f}, nil
}

// Stat implements Store.
func (s *FileStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ValidKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, err)
	}
	fi, err := os.Stat(s.path(key))
	if err != nil {
		return ObjectInfo{}, notExist("stat", key, err)
	}
	if fi.IsDir() {
		return ObjectInfo{}, fmt.Errorf("stat %s: %w", key, ErrNotExist)
	}
	return fileInfo(key, fi), nil
}

// List implements Store. It reads one folder at a time; within a folder,
// entries are ordered as their keys sort (a folder "a" sorts as "a/").
func (s *FileStore) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	if strings.HasPrefix(prefix, "/") {
		return fmt.Errorf("list %q: prefixes are relative to the lake root and must not start with '/'", prefix)
	}
	dirKey := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		dirKey = prefix[:i]
	}
	return s.walk(ctx, dirKey, prefix, fn)
}

func (s *FileStore) walk(ctx context.Context, dirKey, prefix string, fn func(ObjectInfo) error) error {
	dirPath := s.path(dirKey)
	entries, err := os.ReadDir(dirPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	type entry struct {
		name string
		sort string
		dir  bool
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, tempPrefix) {
			continue
		}
		dir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(filepath.Join(dirPath, name)); err == nil {
				dir = fi.IsDir()
			}
		}
		sortName := name
		if dir {
			sortName += "/"
		}
		list = append(list, entry{name: name, sort: sortName, dir: dir})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].sort < list[j].sort })
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("list %q: %w", prefix, err)
		}
		key := e.name
		if dirKey != "" {
			key = dirKey + "/" + e.name
		}
		if e.dir {
			k := key + "/"
			if strings.HasPrefix(k, prefix) || strings.HasPrefix(prefix, k) {
				if err := s.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		fi, err := os.Stat(filepath.Join(dirPath, e.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we listed
		}
		if err != nil {
			return fmt.Errorf("list %q: %w", prefix, err)
		}
		if err := fn(fileInfo(key, fi)); err != nil {
			return err
		}
	}
	return nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	p := s.path(key)
	dir := filepath.Dir(p)
	if _, err := os.Stat(dir); err != nil {
		return nil // no folder, no object
	}
	unlock, err := lockDir(dir)
	if err != nil {
		if _, serr := os.Stat(dir); serr != nil {
			return nil // pruned by a concurrent delete: no object
		}
		return fmt.Errorf("delete %s: %w", key, err)
	}
	fi, err := os.Lstat(p)
	if err == nil && !fi.IsDir() {
		err = os.Remove(p)
	}
	unlock()
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	s.prune(dir)
	return nil
}

// Move implements Store with rename(2).
func (s *FileStore) Move(ctx context.Context, src, dst string) error {
	if err := ValidKey(src); err != nil {
		return err
	}
	if err := ValidKey(dst); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("move %s to %s: %w", src, dst, err)
	}
	sp, dp := s.path(src), s.path(dst)
	if sp == dp {
		_, err := s.Stat(ctx, src)
		return err
	}
	for try := 0; ; try++ {
		err := s.moveOnce(sp, dp)
		if err == nil {
			s.prune(filepath.Dir(sp))
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return fmt.Errorf("move %s to %s: %w", src, dst, err)
		}
		// Either src is gone (roll-forward: fine if dst exists) or dst's
		// folder was pruned under us (retry).
		if fi, serr := os.Lstat(sp); serr != nil || fi.IsDir() {
			if fi, derr := os.Stat(dp); derr == nil && !fi.IsDir() {
				return nil
			}
			return fmt.Errorf("move %s to %s: %w", src, dst, ErrNotExist)
		}
		if try >= maxDirRetries {
			return fmt.Errorf("move %s to %s: %w", src, dst, err)
		}
	}
}

func (s *FileStore) moveOnce(sp, dp string) error {
	if err := os.MkdirAll(filepath.Dir(dp), 0o755); err != nil {
		return err
	}
	sdir := filepath.Dir(sp)
	if _, err := os.Stat(sdir); err != nil {
		return err
	}
	unlock, err := lockDir(sdir)
	if err != nil {
		return err
	}
	defer unlock()
	if fi, err := os.Lstat(sp); err != nil {
		return err
	} else if fi.IsDir() {
		return fs.ErrNotExist
	}
	return os.Rename(sp, dp)
}

// prune removes dir and its parents up to the root while they are empty.
func (s *FileStore) prune(dir string) {
	for dir != s.root && strings.HasPrefix(dir, s.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// objectMode is the mode of every object: other engines read the lake.
const objectMode = 0o644

// maxKnownDirs bounds the folders a store remembers as existing.
const maxKnownDirs = 4096

// copyBufs are Put's copy buffers, reused: a small object would otherwise
// cost a 32 KiB allocation.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// writerOnly is an io.Writer and nothing else, so io.CopyBuffer uses the
// buffer it is given.
type writerOnly struct{ w io.Writer }

func (w writerOnly) Write(p []byte) (int, error) { return w.w.Write(p) }

// createTemp makes dir (and parents) and a temporary file in it, retrying
// when a concurrent prune removes the folder in between. Folders it made
// or found are remembered, so the next put in one costs no MkdirAll; a
// remembered folder that was pruned since is made again.
func (s *FileStore) createTemp(dir string) (*os.File, error) {
	if s.knownDir(dir) {
		f, err := openTemp(dir)
		if !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
		s.forgetDir(dir)
	}
	var err error
	for try := 0; try < maxDirRetries; try++ {
		if err = os.MkdirAll(dir, 0o755); err != nil {
			continue
		}
		var f *os.File
		f, err = openTemp(dir)
		if err == nil {
			s.rememberDir(dir)
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, err
}

// openTemp creates a new temporary file in dir as os.CreateTemp does, but
// with the objects' mode (less the umask) instead of 0600.
func openTemp(dir string) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, tempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, objectMode)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

func (s *FileStore) knownDir(dir string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.dirs[dir]
	return ok
}

func (s *FileStore) rememberDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirs == nil || len(s.dirs) >= maxKnownDirs {
		s.dirs = make(map[string]struct{})
	}
	s.dirs[dir] = struct{}{}
}

func (s *FileStore) forgetDir(dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.dirs, dir)
}

// fixMode chmods a new temporary file to objectMode when the umask
// narrows the mode files are created with: learned from the first file,
// so that the common case costs no chmod. stampTemp checks every file all
// the same, for a umask changed since.
func (s *FileStore) fixMode(f *os.File) error {
	switch s.modeFits.Load() {
	case modeFits:
		return nil
	case modeUnknown:
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if fi.Mode().Perm() == objectMode {
			s.modeFits.Store(modeFits)
			return nil
		}
		s.modeFits.Store(modeNarrowed)
	}
	return f.Chmod(objectMode)
}

// States of FileStore.modeFits.
const (
	modeUnknown int32 = iota
	modeFits
	modeNarrowed
)

// lockDir takes an exclusive flock on dir, which must exist, and returns
// its release. It re-checks after locking that dir was not pruned and
// re-created while it waited.
func lockDir(dir string) (func(), error) {
	for try := 0; ; try++ {
		f, err := os.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("lock folder %s: %w", dir, err)
		}
		for {
			err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
			if !errors.Is(err, syscall.EINTR) {
				break
			}
		}
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock folder %s: %w", dir, err)
		}
		held, herr := f.Stat()
		now, nerr := os.Stat(dir)
		if herr == nil && nerr == nil && os.SameFile(held, now) {
			return func() { _ = f.Close() }, nil // closing releases the flock
		}
		_ = f.Close()
		if nerr != nil || try >= maxDirRetries {
			return nil, fmt.Errorf("lock folder %s: it was removed while waiting", dir)
		}
	}
}

func notExist(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("%s %s: %w", op, key, ErrNotExist)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func fileInfo(key string, fi fs.FileInfo) ObjectInfo {
	return ObjectInfo{Key: key, Size: fi.Size(), ETag: fileETag(fi), ModTime: fi.ModTime()}
}

// fileETag hashes the file's identity: inode, size and mtime (ns).
func fileETag(fi fs.FileInfo) string {
	var b [24]byte
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		binary.LittleEndian.PutUint64(b[0:], uint64(st.Ino))
	}
	binary.LittleEndian.PutUint64(b[8:], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(b[16:], uint64(fi.ModTime().UnixNano()))
	sum := sha256.Sum256(b[:])
	return hex.EncodeToString(sum[:16])
}

// ctxReader stops reading once its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type ctxReadCloser struct {
	ctxReader
	c io.Closer
}

func (c ctxReadCloser) Close() error { return c.c.Close() }

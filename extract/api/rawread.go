package api

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/lakectl/lakectl/internal/inorder"
	"github.com/lakectl/lakectl/lake"
)

// pageRef is where a stored response is: the gzip member at [off, off+n)
// of a raw object (n < 0: the whole object, a page of the earlier layouts).
// While the bundle that holds it is still being landed, b holds its bytes.
type pageRef struct {
	key    string
	off, n int64
	b      *bundle
	// mem, when set, is the stored gzip bytes, read with the listing of
	// its folder: reading them back costs no request.
	mem []byte
}

func (p pageRef) String() string {
	if p.n < 0 {
		return p.key
	}
	return fmt.Sprintf("%s@%d", p.key, p.off)
}

// readBody reads a stored response back, gunzipped: from memory while its
// bundle is being landed, else from the lake.
func readBody(ctx context.Context, store lake.Store, p pageRef) ([]byte, error) {
	var (
		rc  io.ReadCloser
		err error
	)
	switch data := p.b.held(); {
	case p.mem != nil:
		rc = io.NopCloser(bytes.NewReader(p.mem))
	case data != nil:
		rc = io.NopCloser(bytes.NewReader(data[p.off : p.off+p.n]))
	case p.n < 0:
		rc, err = store.Get(ctx, p.key)
	default:
		rc, err = store.GetRange(ctx, p.key, p.off, p.n)
	}
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", p, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", p, err)
	}
	zr.Multistream(false)
	body, err := io.ReadAll(io.LimitReader(zr, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read raw response %s: %w", p, err)
	}
	return body, nil
}

// readPageMeta reads a raw object that is one page of the earlier
// one-object-per-page layouts and its first gzip header, and keeps the
// object's bytes for readBody when they are at most memRawBytes.
func readPageMeta(ctx context.Context, store lake.Store, key string) (rawMeta, []byte, bool, error) {
	data, whole, err := readHead(ctx, store, key)
	if err != nil {
		return rawMeta{}, nil, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return rawMeta{}, nil, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	m, ok, err := metaOfExtra(zr.Extra)
	if err != nil {
		return m, nil, false, fmt.Errorf("read raw response %s: %w", key, err)
	}
	if !whole {
		data = nil
	}
	return m, data, ok, nil
}

// memRawBytes is the largest raw object whose bytes a replay keeps after
// listing its pages (a day's bundle of a partner's responses is a few
// megabytes), so that reading each page back costs no ranged GET. With
// rawReads objects read at once, at most rawReads x memRawBytes are read
// ahead of their scan.
const memRawBytes = 8 << 20

// readHead reads a raw object whole when it is at most memRawBytes
// (whole), else its first memRawBytes.
func readHead(ctx context.Context, store lake.Store, key string) (data []byte, whole bool, err error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, false, err
	}
	defer rc.Close()
	data, err = io.ReadAll(io.LimitReader(rc, memRawBytes+1))
	if err != nil {
		return nil, false, err
	}
	return data, len(data) <= memRawBytes, nil
}

// readMeta reads a legacy .meta.json sidecar.
func readMeta(ctx context.Context, store lake.Store, key string) (rawMeta, error) {
	var m rawMeta
	if err := lake.GetJSON(ctx, store, key, &m); err != nil {
		return m, fmt.Errorf("read raw metadata %s: %w", key, err)
	}
	return m, nil
}

// countingReader counts the bytes read through it. It is a flate.Reader
// (io.ByteReader), so gzip and flate read exactly the bytes of a member
// and the count after a member is where the next one starts.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// scanBundle reads a raw object member by member and returns each
// member's metadata and place. A member without metadata (not lakectl's)
// is skipped; a cut or corrupt member is an error: bundles are stored
// whole.
func scanBundle(ctx context.Context, store lake.Store, key string) ([]storedPage, error) {
	rc, err := store.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read raw object %s: %w", key, err)
	}
	defer rc.Close()
	// A bundle of at most memRawBytes is kept whole: its pages are read
	// back from memory. A larger one is scanned as it streams, and its
	// pages read back with ranged GETs.
	head, err := io.ReadAll(io.LimitReader(rc, memRawBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read raw object %s: %w", key, err)
	}
	var mem []byte
	if len(head) <= memRawBytes {
		mem = head
	}
	cr := &countingReader{r: bufio.NewReaderSize(io.MultiReader(bytes.NewReader(head), rc), 64<<10)}
	var (
		zr  gzip.Reader
		out []storedPage
	)
	for off := int64(0); ; off = cr.n {
		if err := zr.Reset(cr); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("read raw object %s at byte %d: %w", key, off, err)
		}
		zr.Multistream(false)
		m, ok, err := metaOfExtra(zr.Extra)
		if err == nil {
			_, err = io.Copy(io.Discard, &zr)
		}
		if err != nil {
			return nil, fmt.Errorf("read raw object %s at byte %d: %w", key, off, err)
		}
		if ok {
			ref := pageRef{key: key, off: off, n: cr.n - off}
			if mem != nil {
				ref.mem = mem[off:cr.n:cr.n]
			}
			out = append(out, storedPage{ref: ref, meta: m})
		}
	}
}

// rawFetch is one complete fetch found in raw/: the pages of one
// (account, window, run), in page order, all successful, the last one
// marked last.
type rawFetch struct{ pages []storedPage }

// listFetches streams the complete fetches of an endpoint whose window
// starts in [from, to) (zero times: unbounded), in the order of the
// earlier layouts' keys (window start, account, run), calling fn for each.
// Incomplete or failed fetches are skipped (and counted). Each dt= folder
// is read whole before its fetches are handed out: a fetch's pages may be
// in several objects of its window's day.
func listFetches(ctx context.Context, store lake.Store, source, endpoint string, from, to time.Time, fn func(rawFetch) error) (skipped int, err error) {
	dir := rawDir(source, endpoint)
	var (
		folder string
		objs   []string
	)
	flush := func() error {
		defer func() { objs = objs[:0] }()
		if len(objs) == 0 || !dayInRange(folder, from, to) {
			return nil
		}
		pages, err := folderPages(ctx, store, objs, from, to)
		if err != nil {
			return err
		}
		n, err := completeFetches(pages, fn)
		skipped += n
		return err
	}
	err = store.List(ctx, dir, func(o lake.ObjectInfo) error {
		f, _, _ := strings.Cut(strings.TrimPrefix(o.Key, dir), "/")
		if f != folder {
			if err := flush(); err != nil {
				return err
			}
			folder = f
		}
		objs = append(objs, o.Key)
		return nil
	})
	if err != nil {
		return skipped, err
	}
	return skipped, flush()
}

// dayInRange reports whether windows starting on a dt=YYYY-MM-DD folder's
// day may start in [from, to); a folder named otherwise is read.
func dayInRange(folder string, from, to time.Time) bool {
	day, err := time.Parse(time.DateOnly, strings.TrimPrefix(folder, "dt="))
	if err != nil {
		return true
	}
	return (to.IsZero() || day.Before(to)) && (from.IsZero() || day.Add(24*time.Hour).After(from))
}

// folderPages reads the metadata of every stored page among a folder's
// objects whose window starts in [from, to): bundles member by member,
// a page of the earlier layouts by its gzip header or its sidecar.
func folderPages(ctx context.Context, store lake.Store, keys []string, from, to time.Time) ([]storedPage, error) {
	var out []storedPage
	read := func(ctx context.Context, key string) ([]storedPage, error) {
		switch {
		case strings.HasSuffix(key, metaSuffix): // legacy sidecar
			m, err := readMeta(ctx, store, key)
			if err != nil {
				return nil, err
			}
			return []storedPage{{ref: pageRef{key: strings.TrimSuffix(key, metaSuffix) + bodySuffix, n: -1}, meta: m}}, nil
		case !strings.HasSuffix(key, bodySuffix):
			return nil, nil
		case isPageKey(key):
			if !inRange(windowOfKey(key), from, to) {
				return nil, nil
			}
			m, mem, has, err := readPageMeta(ctx, store, key)
			if err != nil || !has { // no metadata: a legacy body, its sidecar carries it
				return nil, err
			}
			return []storedPage{{ref: pageRef{key: key, n: -1, mem: mem}, meta: m}}, nil
		default:
			return scanBundle(ctx, store, key)
		}
	}
	// The objects are independent: read rawReads at a time, in key order.
	err := inorder.Fetch(ctx, keys, rawReads, read, func(_ string, pages []storedPage, err error) error {
		if err != nil {
			return err
		}
		for _, p := range pages {
			if inRange(p.meta.WindowStart, from, to) {
				out = append(out, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// rawReads is how many raw objects a replay reads at once.
const rawReads = 16

// inRange reports whether t is in [from, to) (zero times: unbounded).
func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || t.Before(to))
}

// isPageKey reports whether a raw key names one page of the earlier
// layouts: <window start>_<account>_<run>_p<page>.json.gz.
func isPageKey(key string) bool {
	name := strings.TrimSuffix(key[strings.LastIndexByte(key, '/')+1:], bodySuffix)
	i := strings.LastIndex(name, "_p")
	if i < 0 || len(name)-i-2 != 6 || strings.Trim(name[i+2:], "0123456789") != "" {
		return false
	}
	return !windowOfKey(name).IsZero()
}

// windowOfKey reads the window start from a page key's file name.
func windowOfKey(key string) time.Time {
	name := key[strings.LastIndexByte(key, '/')+1:]
	if len(name) < len(keyTime) {
		return time.Time{}
	}
	t, _ := time.Parse(keyTime, name[:len(keyTime)])
	return t
}

// completeFetches groups pages into fetches, in the earlier layouts' key
// order, and calls fn for each complete one; it returns how many were
// incomplete or failed.
func completeFetches(pages []storedPage, fn func(rawFetch) error) (skipped int, err error) {
	byID := map[string][]storedPage{}
	for _, p := range pages {
		id := fetchID(p.meta)
		byID[id] = append(byID[id], p)
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		f := byID[id]
		sort.SliceStable(f, func(i, j int) bool { return f[i].meta.Page < f[j].meta.Page })
		if !complete(f) {
			skipped++
			continue
		}
		if err := fn(rawFetch{pages: f}); err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// fetchID names a fetch as the earlier layouts' keys began.
func fetchID(m rawMeta) string {
	return m.WindowStart.UTC().Format(keyTime) + "_" + m.Account + "_" + m.Run
}

// complete reports whether a fetch's pages, in page order, are pages 1..n,
// none failed, the last marked last.
func complete(f []storedPage) bool {
	for i, p := range f {
		if p.meta.Error != "" || p.meta.Page != i+1 {
			return false
		}
	}
	return len(f) > 0 && f[len(f)-1].meta.Last
}

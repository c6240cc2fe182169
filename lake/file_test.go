package lake_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
	"github.com/lakectl/lakectl/lake/storetest"
)

func newFileStore(t *testing.T) *lake.FileStore {
	t.Helper()
	s, err := lake.NewFileStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFileStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) lake.Store { return newFileStore(t) })
}

func TestFileStorePutWithWrongSizeLeavesNoObject(t *testing.T) {
	s := newFileStore(t)
	_, err := s.Put(context.Background(), "k", strings.NewReader("short"), 10, lake.PutOptions{})
	if err == nil {
		t.Fatal("put of 5 bytes declared as 10 succeeded")
	}
	if _, err := s.Stat(context.Background(), "k"); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("stat after failed put: %v", err)
	}
	entries, _ := os.ReadDir(s.Root())
	if len(entries) != 0 {
		t.Fatalf("failed put left %d entries in the folder", len(entries))
	}
}

func TestFileStoreURLIsAnAbsolutePath(t *testing.T) {
	s := newFileStore(t)
	if _, err := s.Put(context.Background(), "tables/t/x.parquet", bytes.NewReader([]byte("x")), 1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	u := s.URL("tables/t/x.parquet")
	if !filepath.IsAbs(u) {
		t.Fatalf("URL %q is not absolute", u)
	}
	if b, err := os.ReadFile(u); err != nil || string(b) != "x" {
		t.Fatalf("reading URL %s: %q, %v", u, b, err)
	}
}

func TestFileStoreDeletePrunesEmptyFolders(t *testing.T) {
	s := newFileStore(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "_lakectl/tables/t/staging/tx/dt=1/p", strings.NewReader("x"), 1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Move(ctx, "_lakectl/tables/t/staging/tx/dt=1/p", "tables/t/dt=1/p"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Root(), "_lakectl")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("staging folders left after the move: %v", err)
	}
}

// A folder the store remembers as made is made again when it was removed
// under the store (by another process, or by hand).
func TestFileStorePutRemakesAFolderRemovedUnderIt(t *testing.T) {
	s := newFileStore(t)
	ctx := context.Background()
	put := func(key string) {
		t.Helper()
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 1, lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("tables/t/dt=1/a.bin")
	if err := os.RemoveAll(filepath.Join(s.Root(), "tables")); err != nil {
		t.Fatal(err)
	}
	put("tables/t/dt=1/b.bin")
	if err := s.Delete(ctx, "tables/t/dt=1/b.bin"); err != nil { // prunes the folders
		t.Fatal(err)
	}
	put("tables/t/dt=1/c.bin")
	if _, err := s.Stat(ctx, "tables/t/dt=1/c.bin"); err != nil {
		t.Fatal(err)
	}
}

// Objects are 0644 whatever mode temporary files start with: other
// engines read the lake.
func TestFileStoreObjectsAreWorldReadable(t *testing.T) {
	s := newFileStore(t)
	ctx := context.Background()
	for _, key := range []string{"a/one.bin", "a/two.bin"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 1, lake.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(s.Root(), filepath.FromSlash(key)))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want 0644", key, fi.Mode().Perm())
		}
	}
}

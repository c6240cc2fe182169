package lake_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/lakectl/lakectl/lake"
)

// The helper process: when LAKECTL_FILESTORE_HELPER is set, this test binary
// runs one worker against the folder it names instead of the tests.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LAKECTL_FILESTORE_HELPER"); dir != "" {
		if err := fileStoreWorker(dir, os.Getenv("LAKECTL_FILESTORE_WORKER")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	workerKeys       = 40 // keys every worker tries to create
	workerIncrements = 60 // increments every worker adds to the counter
)

// fileStoreWorker races the other processes: it tries to create every
// commit key with IfNoneMatch, then adds to a shared counter with
// read-modify-write under IfMatch. It prints how many keys it created.
func fileStoreWorker(dir, id string) error {
	ctx := context.Background()
	s, err := lake.NewFileStore(dir)
	if err != nil {
		return err
	}
	won := 0
	for i := range workerKeys {
		_, err := s.Put(ctx, fmt.Sprintf("commits/%03d.json", i), strings.NewReader(id), int64(len(id)), lake.PutOptions{IfNoneMatch: true})
		switch {
		case err == nil:
			won++
		case !errors.Is(err, lake.ErrPrecondition):
			return err
		}
	}
	for range workerIncrements {
		for {
			info, err := s.Stat(ctx, "counter")
			if err != nil {
				return err
			}
			rc, err := s.Get(ctx, "counter")
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			n, err := strconv.Atoi(string(b))
			if err != nil {
				continue // read a newer version than the ETag: retry
			}
			next := strconv.Itoa(n + 1)
			_, err = s.Put(ctx, "counter", strings.NewReader(next), int64(len(next)), lake.PutOptions{IfMatch: info.ETag})
			if err == nil {
				break
			}
			if !errors.Is(err, lake.ErrPrecondition) {
				return err
			}
		}
	}
	fmt.Println(won)
	return nil
}

func TestFileStoreConditionalPutsHoldAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	s, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(context.Background(), "counter", strings.NewReader("0"), 1, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	const procs = 4
	cmds := make([]*exec.Cmd, procs)
	outs := make([]*strings.Builder, procs)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "LAKECTL_FILESTORE_HELPER="+dir, "LAKECTL_FILESTORE_WORKER="+strconv.Itoa(i))
		outs[i] = &strings.Builder{}
		cmd.Stdout, cmd.Stderr = outs[i], outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	created := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("worker %d: %v: %s", i, err, outs[i])
		}
		n, err := strconv.Atoi(strings.TrimSpace(outs[i].String()))
		if err != nil {
			t.Fatalf("worker %d printed %q", i, outs[i])
		}
		created += n
	}
	if created != workerKeys {
		t.Errorf("workers created %d commit records in total, want exactly %d (one winner per key)", created, workerKeys)
	}
	rc, err := s.Get(context.Background(), "counter")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if want := strconv.Itoa(procs * workerIncrements); string(b) != want {
		t.Errorf("counter = %s after %d If-Match increments, want %s (an update was lost)", b, procs*workerIncrements, want)
	}
}

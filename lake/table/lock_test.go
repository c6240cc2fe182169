package table

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/clierr"
	"github.com/lakectl/lakectl/lake"
)

func TestLockIsExclusiveAcrossGoroutines(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			const workers, rounds = 8, 5
			var inside, maxInside, done atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for r := 0; r < rounds; {
						l, err := AcquireLock(ctx, store, "job-x", LockOptions{})
						if err != nil {
							var le *lake.LockedError
							if !errors.As(err, &le) || clierr.Code(err) != clierr.ExitLocked {
								t.Errorf("acquire: %v", err)
								return
							}
							time.Sleep(time.Millisecond)
							continue
						}
						if inside.Add(1) > 1 {
							maxInside.Store(2) // two holders at once
						} else {
							maxInside.CompareAndSwap(0, 1)
						}
						time.Sleep(2 * time.Millisecond)
						inside.Add(-1)
						done.Add(1)
						if err := l.Release(ctx); err != nil {
							t.Errorf("release: %v", err)
						}
						r++
					}
				})
			}
			wg.Wait()
			if maxInside.Load() != 1 || done.Load() != workers*rounds {
				t.Fatalf("max holders at once = %d (want 1), critical sections = %d (want %d)", maxInside.Load(), done.Load(), workers*rounds)
			}
		})
	}
}

func TestLockHeldReportsOwner(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	l, err := AcquireLock(ctx, store, "extract-orders", LockOptions{Command: "extract mysql orders"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	_, err = AcquireLock(ctx, store, "extract-orders", LockOptions{})
	var le *lake.LockedError
	if !errors.As(err, &le) || clierr.Code(err) != 75 {
		t.Fatalf("second acquire: %v, want LockedError", err)
	}
	want := fmt.Sprintf("pid %d on ", os.Getpid())
	if !strings.Contains(le.Owner, want) || !strings.Contains(le.Owner, "extract mysql orders") {
		t.Fatalf("owner %q does not name pid and command", le.Owner)
	}
}

func TestStaleLockIsTakenOverOnce(t *testing.T) {
	for _, sf := range stores() {
		t.Run(sf.name, func(t *testing.T) {
			ctx := context.Background()
			store := sf.open(t)
			old := time.Now().Add(-time.Hour).UTC()
			stale := lockInfo{owner: owner{Host: "elsewhere", PID: 1}, Command: "old", Created: old, Refreshed: old, StaleAfterS: 60}
			if _, err := lake.PutJSON(ctx, store, lockKey("j"), stale, lake.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			var wins atomic.Int64
			var wg sync.WaitGroup
			locks := make(chan *Lock, 4)
			for range 4 {
				wg.Go(func() {
					l, err := AcquireLock(ctx, store, "j", LockOptions{})
					if err == nil {
						wins.Add(1)
						locks <- l
					} else if !isLocked(err) {
						t.Errorf("acquire: %v", err)
					}
				})
			}
			wg.Wait()
			close(locks)
			if wins.Load() != 1 {
				t.Fatalf("%d takers won the stale lock, want 1", wins.Load())
			}
			for l := range locks {
				_ = l.Release(ctx)
			}
		})
	}
}

func TestFreshLockOfOtherHostIsRespected(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	now := time.Now().UTC()
	info := lockInfo{owner: owner{Host: "elsewhere", PID: 1}, Command: "other", Created: now, Refreshed: now, StaleAfterS: 60}
	if _, err := lake.PutJSON(ctx, store, lockKey("j"), info, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := AcquireLock(ctx, store, "j", LockOptions{}); !isLocked(err) {
		t.Fatalf("acquire over a fresh lock of another host: %v, want LockedError", err)
	}
}

func TestLockLostWhenTakenOver(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	l, err := AcquireLock(ctx, store, "j", LockOptions{StaleAfter: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	// Another run overwrites it (as a takeover after a missed refresh).
	now := time.Now().UTC()
	if _, err := lake.PutJSON(ctx, store, lockKey("j"), lockInfo{owner: owner{Host: "elsewhere", PID: 2}, Created: now, Refreshed: now, StaleAfterS: 60}, lake.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-l.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("Lost() not closed after the lock was taken over")
	}
	_ = l.Release(ctx)
	if _, err := store.Stat(ctx, lockKey("j")); err != nil {
		t.Fatalf("release of a lost lock deleted the new holder's lock: %v", err)
	}
}

func TestLockRefreshKeepsItFresh(t *testing.T) {
	ctx := context.Background()
	store := fileStore(t)
	l, err := AcquireLock(ctx, store, "j", LockOptions{StaleAfter: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // three timeouts: only refreshes keep it
	if _, err := AcquireLock(ctx, store, "j", LockOptions{StaleAfter: 200 * time.Millisecond}); !isLocked(err) {
		t.Fatalf("acquire of a refreshed lock: %v, want LockedError", err)
	}
	select {
	case <-l.Lost():
		t.Fatal("lock lost while refreshed")
	default:
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Stat(ctx, lockKey("j")); !errors.Is(err, lake.ErrNotExist) {
		t.Fatalf("lock still there after release: %v", err)
	}
}

const childEnv = "LAKECTL_TABLE_TEST_LOCK_CHILD"

// TestHelperLockChild is the child process of
// TestLockOfKilledProcessIsTakenOverAtOnce: it takes the lock, says so and
// waits to be killed.
func TestHelperLockChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("helper process only")
	}
	store, err := lake.NewFileStore(dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	if _, err := AcquireLock(context.Background(), store, "job-k", LockOptions{Command: "child"}); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(0)
}

func TestLockOfKilledProcessIsTakenOverAtOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := lake.NewFileStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLockChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child: %q", line)
	}
	if _, err := AcquireLock(ctx, store, "job-k", LockOptions{}); !isLocked(err) {
		t.Fatalf("acquire while the child holds the lock: %v, want LockedError", err)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	start := time.Now()
	l, err := AcquireLock(ctx, store, "job-k", LockOptions{}) // default StaleAfter: 2 minutes
	if err != nil {
		t.Fatalf("acquire after kill -9 of the holder: %v", err)
	}
	defer l.Release(ctx)
	if time.Since(start) > 5*time.Second {
		t.Fatalf("takeover took %v", time.Since(start))
	}
}

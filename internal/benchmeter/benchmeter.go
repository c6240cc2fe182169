// Package benchmeter measures benchmark runs the way the matrix
// reports them: wall time, CPU time (getrusage, steadier than wall time
// on a shared machine), peak RSS, and the lake's S3 requests by type next
// to the minimum the work needs.
package benchmeter

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/lakectl/lakectl/lake"
)

// Measure is one timed run.
type Measure struct {
	Wall, CPU time.Duration
	RSS       int64 // peak resident set size, bytes
	// MinIO is the CPU time the local MinIO server spent meanwhile (for
	// every client it had: other runs on the machine count too).
	MinIO time.Duration
	// Busy is the share of all the machine's cores busy during the run
	// (every process: lakectl, MinIO, PostgreSQL, the rest), from
	// /proc/stat; near 1 the run was CPU-bound.
	Busy float64
}

// Floor is the shortest wall time the run's CPU work allows on this
// machine: the client's and the local MinIO's CPU time spread over every
// core. When MinIO shares the cores (the bench machine: 2), an S3 run
// cannot beat it, however well its requests overlap.
func (m Measure) Floor() time.Duration {
	return (m.CPU + m.MinIO) / time.Duration(runtime.NumCPU())
}

// Versus says how a MinIO run compares with the local run: its wall time
// and CPU as ratios to the local ones, MinIO's own CPU, the floor that
// CPU sets (as a ratio to the local wall time too), and how busy the
// machine's cores were in each run.
func Versus(rem, loc Measure) string {
	return fmt.Sprintf("%.2fx the local time (cpu %.2fx; minio server cpu %.2fs; floor %.2fs = %.2fx, client+server cpu over %d cores; machine %.0f%% busy, local run %.0f%%)",
		rem.Wall.Seconds()/loc.Wall.Seconds(), rem.CPU.Seconds()/loc.CPU.Seconds(), rem.MinIO.Seconds(),
		rem.Floor().Seconds(), rem.Floor().Seconds()/loc.Wall.Seconds(), runtime.NumCPU(), 100*rem.Busy, 100*loc.Busy)
}

// RSSMiB is the peak RSS in MiB.
func (m Measure) RSSMiB() float64 { return float64(m.RSS) / (1 << 20) }

// Run runs fn with earlier dirty pages flushed (so that a commit's
// syncfs does not pay for them), the heap collected, the local MinIO idle
// and the peak-RSS mark reset, and measures it.
func Run(fn func() error) (Measure, error) {
	syscall.Sync()
	runtime.GC()
	debug.FreeOSMemory()
	waitServerIdle("minio", 10*time.Second)
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	cpu0, srv0 := CPUTime(), ServerCPU("minio")
	busy0, all0 := machineTicks()
	start := time.Now()
	err := fn()
	m := Measure{Wall: time.Since(start), CPU: CPUTime() - cpu0, RSS: PeakRSS(), MinIO: ServerCPU("minio") - srv0}
	if busy1, all1 := machineTicks(); all1 > all0 {
		m.Busy = float64(busy1-busy0) / float64(all1-all0)
	}
	return m, err
}

// machineTicks are the busy and total CPU ticks of all cores so far
// (/proc/stat's first line; idle and iowait count as not busy).
func machineTicks() (busy, all int64) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseInt(f, 10, 64)
		all += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, all
}

// CPUTime is the process's user+system CPU time so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ServerCPU is the CPU time so far of the local processes named name (as
// /proc/PID/comm has it, "minio"): the S3 server's own work, which on a
// small machine competes with the client's for the same cores. Zero when
// none runs here.
func ServerCPU(name string) time.Duration {
	dirs, _ := os.ReadDir("/proc")
	var ticks int64
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		comm, err := os.ReadFile("/proc/" + d.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis; utime and
		// stime are the 14th and 15th of the whole line.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// waitServerIdle waits, at most limit, until the local processes named
// name use under a tenth of a core: MinIO's background scanner walks what
// the previous run wrote, and its bursts would otherwise land in the next
// run's figures (AWS S3 runs its own on other machines).
func waitServerIdle(name string, limit time.Duration) {
	const window = 250 * time.Millisecond
	for end := time.Now().Add(limit); time.Now().Before(end); {
		before := ServerCPU(name)
		time.Sleep(window)
		if ServerCPU(name)-before < window/10 {
			return
		}
	}
}

// PeakRSS reads the process's VmHWM, in bytes.
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Requests formats the requests sent between two lake.Requests readings
// by type, each next to its minimum, and their total as a ratio to the
// minimum.
func Requests(before, after, least map[string]int64) string {
	var got, want int64
	var sb strings.Builder
	for _, t := range lake.RequestTypes {
		n := after[t] - before[t]
		got += n
		want += least[t]
		fmt.Fprintf(&sb, "%s %d (min %d) ", t, n, least[t])
	}
	fmt.Fprintf(&sb, "; total %d, %.2fx the minimum", got, float64(got)/float64(max(want, 1)))
	return sb.String()
}

// CopyLake copies every object of src to dst, 16 at a time: an identical
// lake to measure against.
func CopyLake(ctx context.Context, src, dst lake.Store) error {
	var keys []string
	if err := src.List(ctx, "", func(oi lake.ObjectInfo) error { keys = append(keys, oi.Key); return nil }); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, k := range keys {
		g.Go(func() error { return copyObject(gctx, src, dst, k) })
	}
	return g.Wait()
}

func copyObject(ctx context.Context, src, dst lake.Store, key string) error {
	rc, err := src.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	_, err = dst.Put(ctx, key, strings.NewReader(string(data)), int64(len(data)), lake.PutOptions{})
	return err
}

// EnvInt reads a size from the environment: def when unset, an error
// when not a number of at least 10.
func EnvInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 {
		return 0, fmt.Errorf("%s=%q: want a number >= 10", name, v)
	}
	return n, nil
}

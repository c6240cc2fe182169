package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// commandTimeout bounds one lakectl run: a hung command fails the test
// instead of hanging it.
const commandTimeout = 3 * time.Minute

// cli runs the binary as a user would: in its own working directory with
// its own HOME (so no stray ./lakectl.yaml or config file is read) and
// with global flags in front of every command.
type cli struct {
	dir    string
	global []string
}

func newCLI(t *testing.T, global ...string) *cli {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "xdg"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &cli{dir: dir, global: global}
}

// result is one finished run.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	dur            time.Duration
}

func (r result) String() string {
	return "lakectl " + strings.Join(r.args, " ") + "\n  exit " + itoa(r.code) +
		"\n  stdout: " + r.stdout + "\n  stderr: " + r.stderr
}

// command builds the exec.Cmd; the environment is read at call time so
// t.Setenv (AWS variables) reaches the child.
func (c *cli) command(ctx context.Context, args []string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	full := append(append([]string(nil), c.global...), args...)
	cmd := exec.CommandContext(ctx, binPath, full...)
	cmd.Dir = c.dir
	// GORACE: a -race binary sleeps a second at exit by default, which
	// would dominate the run time.
	env := []string{"HOME=" + c.dir, "XDG_CONFIG_HOME=" + filepath.Join(c.dir, "xdg"), "GORACE=atexit_sleep_ms=0"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LAKECTL_") || strings.HasPrefix(kv, "HOME=") ||
			strings.HasPrefix(kv, "XDG_CONFIG_HOME=") || strings.HasPrefix(kv, "GORACE=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs one command to its end.
func (c *cli) run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd, stdout, stderr := c.command(ctx, args)
	start := time.Now()
	err := cmd.Run()
	res := result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String(), dur: time.Since(start)}
	res.code = exitCode(t, err)
	if ctx.Err() != nil {
		t.Fatalf("timed out after %s: %s", commandTimeout, res)
	}
	checkRaceFree(t, res)
	return res
}

// runOK runs a command that must succeed and decodes its -o json document
// into v (when v is not nil).
func (c *cli) runOK(t *testing.T, v any, args ...string) result {
	t.Helper()
	res := c.run(t, args...)
	if res.code != 0 {
		t.Fatalf("want exit 0: %s", res)
	}
	if v != nil {
		decodeOneJSON(t, res, v)
	}
	return res
}

// started is a command running in the background.
type started struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	start          time.Time
	done           chan struct{}
	res            result
}

// start launches a command without waiting for it.
func (c *cli) start(t *testing.T, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	cmd, stdout, stderr := c.command(ctx, args)
	s := &started{cmd: cmd, stdout: stdout, stderr: stderr, start: time.Now(), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start lakectl %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		defer cancel()
		defer close(s.done)
		err := cmd.Wait()
		s.res = result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String(), dur: time.Since(s.start)}
		s.res.code = -1
		var ee *exec.ExitError
		switch {
		case err == nil:
			s.res.code = 0
		case errors.As(err, &ee):
			s.res.code = ee.ExitCode() // -1 when killed by a signal
		}
	}()
	return s
}

// wait waits for the command's end (bounded by commandTimeout).
func (s *started) wait(t *testing.T) result {
	t.Helper()
	<-s.done
	if s.res.code != -1 {
		checkRaceFree(t, s.res)
	}
	return s.res
}

// exited reports whether the command has already ended.
func (s *started) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// kill9 sends SIGKILL, as the OOM killer or a reboot would, and waits.
// It reports whether the process was still running when killed.
func (s *started) kill9(t *testing.T) bool {
	t.Helper()
	running := !s.exited()
	if running {
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatalf("kill -9: %v", err)
		}
	}
	<-s.done
	return running
}

// runAll runs commands concurrently and returns their results in order.
func (c *cli) runAll(t *testing.T, cmds ...[]string) []result {
	t.Helper()
	procs := make([]*started, len(cmds))
	for i, args := range cmds {
		procs[i] = c.start(t, args...)
	}
	out := make([]result, len(cmds))
	for i, p := range procs {
		out[i] = p.wait(t)
	}
	return out
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		t.Fatalf("run lakectl: %v", err)
		return -1
	}
}

// checkRaceFree fails the test when the race detector reported a race in
// the binary (it prints to stderr and exits 66).
func checkRaceFree(t *testing.T, r result) {
	t.Helper()
	if strings.Contains(r.stderr, "WARNING: DATA RACE") || r.code == 66 {
		t.Errorf("data race in lakectl: %s", r)
	}
}

// decodeOneJSON asserts that stdout is exactly one JSON document and
// decodes it into v.
func decodeOneJSON(t *testing.T, r result, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%s", err, r)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON document (next: %.80q, err %v)\n%s", extra, err, r)
	}
}

// killer decides, from a seeded source, when to SIGKILL a command: a
// uniform moment within a little more than the command's last observed
// duration, so kills land anywhere from startup to commit.
type killer struct {
	mu      sync.Mutex
	rng     *rand.Rand
	typical map[string]time.Duration
	kills   int // kills that hit a running process
}

func newKiller(rng *rand.Rand) *killer {
	return &killer{rng: rng, typical: map[string]time.Duration{}}
}

func (k *killer) delay(step string) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := k.typical[step]
	if d == 0 {
		d = 400 * time.Millisecond
	}
	return time.Duration(k.rng.Int64N(int64(d)*6/5 + 1))
}

func (k *killer) observe(step string, d time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.typical[step] = d
}

// step runs a command to success; when kill is set it first starts the
// same command, kills it with SIGKILL at a random moment, and then reruns
// it as cron or an operator would.
func (k *killer) step(t *testing.T, c *cli, step string, kill bool, v any, args ...string) result {
	t.Helper()
	if kill {
		d := k.delay(step)
		p := c.start(t, args...)
		time.Sleep(d)
		if p.kill9(t) {
			k.mu.Lock()
			k.kills++
			k.mu.Unlock()
			t.Logf("%s: killed -9 after %s", step, d.Round(time.Millisecond))
		} else {
			t.Logf("%s: finished (exit %d) before the kill at %s", step, p.res.code, d.Round(time.Millisecond))
			if p.res.code != 0 {
				t.Errorf("%s before the kill: want exit 0: %s", step, p.res)
			}
		}
	}
	res := c.runOK(t, v, args...)
	k.observe(step, res.dur)
	return res
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

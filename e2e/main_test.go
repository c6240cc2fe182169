package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/testenv"
)

// binPath is the lakectl binary under test, set once by TestMain before
// any test runs and only read afterwards.
var binPath string

// TestMain builds lakectl once (with -race when this test binary has it,
// so the binary's own data races fail the run too) or takes
// LAKECTL_E2E_BIN, then runs the tests.
func TestMain(m *testing.M) {
	code := runMain(m)
	testenv.StopPostgresLogical() // the cluster a test started when none was given
	os.Exit(code)
}

func runMain(m *testing.M) int {
	if bin := os.Getenv("LAKECTL_E2E_BIN"); bin != "" {
		binPath = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "lakectl-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir for the binary:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binPath = filepath.Join(dir, "lakectl")
	if err := buildBinary(binPath); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// buildBinary runs go build in the module root.
func buildBinary(out string) error {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find module root: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	args := []string{"build"}
	if raceEnabled {
		args = append(args, "-race")
	}
	args = append(args, "-o", out, "./cmd/lakectl")
	start := time.Now()
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	fmt.Fprintf(os.Stderr, "e2e: built lakectl (race=%v) in %.1fs\n", raceEnabled, time.Since(start).Seconds())
	return nil
}

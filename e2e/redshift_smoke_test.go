package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lakectl/lakectl/internal/redshiftsim"
	"github.com/lakectl/lakectl/internal/testenv"
)

// TestRedshiftSmokeScript runs scripts/redshift-smoke.sh, as an operator
// would against a cluster, against the Redshift simulator over an S3 lake
// in MinIO: only the URLs differ from a real run.
func TestRedshiftSmokeScript(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not installed")
	}
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	sim := redshiftsim.StartServer(t)
	env := testenv.S3(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "redshift-smoke.sh"))
	cmd.Dir = home
	cmd.Env = append(os.Environ(),
		"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "xdg"),
		"LAKECTL="+binPath,
		"LAKECTL_LAKE="+env.URL("lake"),
		"LAKECTL_WAREHOUSE="+sim.URL,
		"LAKECTL_S3_ENDPOINT="+env.Endpoint,
		"LAKECTL_S3_PATH_STYLE=true",
		"AWS_ACCESS_KEY_ID="+env.AccessKey, "AWS_SECRET_ACCESS_KEY="+env.SecretKey,
		"AWS_REGION="+env.Region, "AWS_DEFAULT_REGION="+env.Region,
		"AWS_ENDPOINT_URL_S3="+env.Endpoint, "AWS_EC2_METADATA_DISABLED=true",
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: Redshift load smoke test passed") {
		t.Fatalf("smoke script: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

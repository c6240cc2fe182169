package iostreams

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRenderJSONKeepsDataAndMasksSecrets(t *testing.T) {
	s, _, out, _ := Test()
	s.JSON = true
	s.Secrets.Add("tok-registered-123")
	res := map[string]any{
		"key":    []string{"id"},
		"source": "mysql://etl:pw-in-dsn@db:3306/shop",
		"note":   "partner said tok-registered-123",
	}
	if err := s.Render(res, func(io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if strings.Contains(got, "pw-in-dsn") || strings.Contains(got, "tok-registered-123") || !strings.Contains(got, `"id"`) {
		t.Fatalf("rendered %s", got)
	}
}

func TestLoggerRedactsAndHonoursQuiet(t *testing.T) {
	s, _, _, errOut := Test()
	log, err := s.Logger("json", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("connect", "dsn", "root:hunter2x@tcp(db:3306)/shop", "header", "Authorization: Bearer abc.def.ghi")
	if strings.Contains(errOut.String(), "hunter2x") || strings.Contains(errOut.String(), "abc.def.ghi") {
		t.Fatalf("log holds a secret: %s", errOut)
	}
	s.Quiet = true
	errOut.Reset()
	log, _ = s.Logger("text", "info")
	log.Info("not shown")
	log.Warn("shown")
	if strings.Contains(errOut.String(), "not shown") || !strings.Contains(errOut.String(), "shown") {
		t.Fatalf("quiet: %q", errOut)
	}
}

func TestPrintErrorOneLineOrJSON(t *testing.T) {
	s, _, _, errOut := Test()
	s.PrintError(errors.New("open mysql://u:sekret99@h/db: refused"), 1)
	if strings.Contains(errOut.String(), "sekret99") || strings.Count(errOut.String(), "\n") != 1 {
		t.Fatalf("got %q", errOut)
	}
	errOut.Reset()
	s.JSON = true
	s.PrintError(errors.New("boom"), 75)
	if !bytes.Contains(errOut.Bytes(), []byte(`"exit_code":75`)) {
		t.Fatalf("got %q", errOut)
	}
}

func TestNoProgressBarWithoutTTY(t *testing.T) {
	s, _, _, _ := Test()
	if s.ShowProgressBar() {
		t.Fatal("bar without a TTY")
	}
	s.StderrTTY = true
	if !s.ShowProgressBar() {
		t.Fatal("no bar on a TTY")
	}
	for _, set := range []func(){func() { s.NoProgress = true }, func() { s.Quiet = true }, func() { s.JSON = true }} {
		s.NoProgress, s.Quiet, s.JSON = false, false, false
		set()
		if s.ShowProgressBar() {
			t.Fatal("bar shown despite --no-progress, -q or -o json")
		}
	}
}

func TestPrintErrorJoinsLines(t *testing.T) {
	s, _, _, errOut := Test()
	s.PrintError(errors.New("connect to postgres://h/db:\n  dial ::1: refused\n  dial 127.0.0.1: refused\n"), 1)
	if got := errOut.String(); got != "lakectl: connect to postgres://h/db:; dial ::1: refused; dial 127.0.0.1: refused\n" {
		t.Fatalf("got %q", got)
	}
}

// Package iostreams owns lakectl's standard streams and what it knows about
// the terminal: results go to Out (stdout), logs and progress to ErrOut
// (stderr), progress bars only when stderr is a terminal. Tests build one
// with Test() and set the TTY flags they need.
package iostreams

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/lakectl/lakectl/internal/redact"
)

// IO is the one owner of stdin, stdout, stderr and terminal state.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	NoColor   bool

	// Secrets are masked in everything written through Logger and errors.
	Secrets *redact.Secrets

	// Set by the root command from configuration.
	JSON       bool // -o json: one JSON document on stdout
	Quiet      bool // -q: warnings and errors only, no progress
	NoProgress bool // --no-progress
}

// System returns the process's streams with TTY detection.
func System() *IO {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IO{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		StdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		NoColor:   noColor || os.Getenv("TERM") == "dumb",
		Secrets:   &redact.Secrets{},
	}
}

// Test returns streams backed by buffers, no TTY.
func Test() (*IO, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IO{In: in, Out: out, ErrOut: errOut, Secrets: &redact.Secrets{}}, in, out, errOut
}

// CanPrompt reports whether lakectl may ask the user a question.
func (s *IO) CanPrompt() bool { return s.StdinTTY && s.StderrTTY && !s.JSON }

// ShowProgressBar reports whether a progress bar belongs on stderr.
func (s *IO) ShowProgressBar() bool {
	return s.StderrTTY && !s.NoProgress && !s.Quiet && !s.JSON
}

// Render writes a result: as one indented JSON document under -o json,
// else through text, which writes the human form to w.
func (s *IO) Render(result any, text func(w io.Writer) error) error {
	if s.JSON {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(result); err != nil {
			return fmt.Errorf("render JSON: %w", err)
		}
		_, err := io.WriteString(s.Out, redact.Userinfo(s.Secrets.Apply(buf.String())))
		return err
	}
	var buf bytes.Buffer
	if err := text(&buf); err != nil {
		return err
	}
	_, err := io.WriteString(s.Out, redact.Userinfo(s.Secrets.Apply(buf.String())))
	return err
}

// PrintError reports err on stderr: one redacted line, and under -o json
// also a JSON object, so scripts can parse failures too.
func (s *IO) PrintError(err error, code int) {
	msg := OneLine(redact.Patterns(s.Secrets.Apply(err.Error())))
	if s.JSON {
		b, _ := json.Marshal(map[string]any{"error": msg, "exit_code": code})
		fmt.Fprintln(s.ErrOut, string(b))
		return
	}
	fmt.Fprintln(s.ErrOut, "lakectl: "+msg)
}

// OneLine joins the lines of a multi-line message (some drivers report
// each address they tried on its own line) with "; ", so an error is
// always one line on stderr and in cron mail.
func OneLine(msg string) string {
	if !strings.ContainsAny(msg, "\r\n") {
		return msg
	}
	var parts []string
	for _, l := range strings.FieldsFunc(msg, func(r rune) bool { return r == '\n' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// Logger returns a slog logger on stderr in the given format ("text" or
// "json") and level ("debug", "info", "warn", "error"); -q raises the
// level to warn. Every record passes through redaction.
func (s *IO) Logger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "", "info":
		lv = slog.LevelInfo
	case "debug":
		lv = slog.LevelDebug
	case "warn", "warning":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	default:
		return nil, fmt.Errorf("log level %q is not debug, info, warn or error", level)
	}
	if s.Quiet && lv < slog.LevelWarn {
		lv = slog.LevelWarn
	}
	w := &redactWriter{w: s.ErrOut, secrets: s.Secrets}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "", "text":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q is not text or json", format)
	}
	return slog.New(h), nil
}

// redactWriter masks secrets in each formatted log record; slog writes one
// record per Write call.
type redactWriter struct {
	w       io.Writer
	secrets *redact.Secrets
}

func (r *redactWriter) Write(p []byte) (int, error) {
	clean := redact.Patterns(r.secrets.Apply(string(p)))
	if _, err := io.WriteString(r.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}

package input

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestErrorPrintsOptionsAsLabelled(t *testing.T) {
	err := Errorf("%s %d: must be positive", Option("chunk-rows"), 0)
	if got := err.Error(); got != "chunk-rows 0: must be positive" {
		t.Fatalf("unlabelled: %q", got)
	}
	wrapped := fmt.Errorf("extract orders: %w", err)
	if got := Label(wrapped, Flag).Error(); got != "extract orders: --chunk-rows 0: must be positive" {
		t.Fatalf("flag: %q", got)
	}
	if got := Label(wrapped, func(o Option) string { return strings.ReplaceAll(string(o), "-", "_") }).Error(); got != "extract orders: chunk_rows 0: must be positive" {
		t.Fatalf("config key: %q", got)
	}
	if !Is(Label(wrapped, Flag)) {
		t.Fatal("Is: false for a wrapped *Error")
	}
	if opts := err.Options(); len(opts) != 1 || opts[0] != "chunk-rows" {
		t.Fatalf("Options: %v", opts)
	}
}

func TestErrorWrapsWithW(t *testing.T) {
	err := Errorf("read %s file: %w", Option("migration"), fs.ErrNotExist)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("the %w cause is not unwrapped")
	}
	if got := Label(errors.Join(errors.New("other"), err), Flag).Error(); got != "other\nread --migration file: file does not exist" {
		t.Fatalf("joined: %q", got)
	}
	if Wrap(nil) != nil || !Is(Wrap(errors.New("x"))) || Wrap(err) != error(err) {
		t.Fatal("Wrap")
	}
}

func TestLabelledErrorKeepsItsLabels(t *testing.T) {
	keys := func(o Option) string { return strings.ReplaceAll(string(o), "-", "_") }
	for _, opt := range []Option{"chunk-rows", "parallel"} {
		job := fmt.Errorf("job orders: %w", Label(Errorf("%s -1: must be 1 or more", opt), keys))
		want := "job orders: " + keys(opt) + " -1: must be 1 or more"
		if got := Label(job, Flag).Error(); got != want {
			t.Errorf("relabelled: %q, want %q", got, want)
		}
		if !Is(Label(job, Flag)) {
			t.Error("a relabelled error is no longer bad input")
		}
	}
}

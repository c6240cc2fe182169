// Package docgen writes lakectl's man pages and shell completions from the
// command tree, so that they never drift from the code.
package docgen

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Date is the fixed date printed in the man pages, so that regenerating
// them changes nothing unless the commands changed.
var Date = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Generate writes man/ (one page per command) and completions/ (bash,
// zsh, fish, powershell) under dir.
func Generate(root *cobra.Command, dir string) error {
	root.DisableAutoGenTag = true
	manDir := filepath.Join(dir, "man")
	compDir := filepath.Join(dir, "completions")
	for _, d := range []string{manDir, compDir} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	date := Date
	header := &doc.GenManHeader{Title: "LAKECTL", Section: "1", Date: &date, Source: "lakectl", Manual: "lakectl manual"}
	if err := doc.GenManTree(root, header, manDir); err != nil {
		return fmt.Errorf("man pages: %w", err)
	}
	gens := map[string]func(string) error{
		"lakectl.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
		"lakectl.zsh":  root.GenZshCompletionFile,
		"lakectl.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
		"lakectl.ps1":  root.GenPowerShellCompletionFileWithDesc,
	}
	for name, gen := range gens {
		if err := gen(filepath.Join(compDir, name)); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
	}
	return nil
}

package cmd

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/lakectl/lakectl/internal/input"
)

// confirm is the one gate of destructive commands (reprocess, scale,
// rebuild apply): a dry run passes without asking, --yes passes, a person
// at a terminal is asked, and anything else is refused with what to do.
func confirm(f *Factory, what string, yes, dryRun bool) error {
	if dryRun || yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return input.Errorf("%s; pass --yes to confirm when not running interactively (or --dry-run to see the plan)", what)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s. Continue? [y/N] ", what)
	answer, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return fmt.Errorf("cancelled: nothing was changed")
}

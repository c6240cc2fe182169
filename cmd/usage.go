package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/lakectl/lakectl/internal/input"
)

// typeUsageErrors makes every error cobra reports about arguments, flags
// and commands a clierr usage error where it arises: cobra's own errors
// carry no type, and matching their text would also match a disk's
// EINVAL ("invalid argument"). Each Args validator is wrapped, a group
// command refuses an unknown subcommand instead of printing help, and
// required flags and flag groups are checked by checkRequiredFlags.
func typeUsageErrors(c *cobra.Command) {
	for _, sub := range c.Commands() {
		typeUsageErrors(sub)
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(c, args[0])
			}
			return c.Help()
		}
		return
	}
	if valid := c.Args; valid != nil {
		c.Args = func(c *cobra.Command, args []string) error {
			if err := valid(c, args); err != nil {
				return usageError(c, err)
			}
			return nil
		}
	}
}

func unknownCommand(c *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only on its own path
	}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	var names []string
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return input.Errorf("%s; the commands are %s", msg, strings.Join(names, ", "))
}

// checkRequiredFlags runs cobra's required-flag and flag-group checks
// early (cobra runs them after the pre-run, untyped).
func checkRequiredFlags(c *cobra.Command) error {
	if err := c.ValidateRequiredFlags(); err != nil {
		return usageError(c, err)
	}
	if err := c.ValidateFlagGroups(); err != nil {
		return usageError(c, err)
	}
	return checkNumericFlags(c)
}

// usageError types err as a usage error and says where help is, on the
// same line.
func usageError(c *cobra.Command, err error) error {
	return input.Errorf("%v; see '%s --help'", err, c.CommandPath())
}

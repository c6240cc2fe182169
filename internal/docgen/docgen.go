// Package docgen writes lakectl's man pages and shell completions from the
// command tree, so that they never drift from the code.
package docgen

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// Date is the fixed date printed in the man pages, so that regenerating
// them changes nothing unless the commands changed.
var Date = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Generate writes man/ (one page per command) and completions/ (bash,
// zsh, fish, powershell) under dir, and docs/config.md when dir is the
// repository root.
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
	if err := genManTree(root, manDir); err != nil {
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
	return writeConfigReference(root, dir)
}

// genManTree writes one page per available command, cobra's page plus the
// sections that cobra does not write: EXIT STATUS, ENVIRONMENT and FILES.
func genManTree(c *cobra.Command, dir string) error {
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := genManTree(sub, dir); err != nil {
			return err
		}
	}
	date := Date
	header := &doc.GenManHeader{Title: strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-")), Section: "1", Date: &date, Source: "lakectl", Manual: "lakectl manual"}
	var buf bytes.Buffer
	if err := doc.GenMan(c, header, &buf); err != nil {
		return err
	}
	page := strings.Replace(buf.String(), ".SH EXAMPLE\n", ".SH EXAMPLES\n", 1)
	extra := manSections(c.Root())
	if !strings.Contains(page, ".SH EXAMPLES\n") {
		extra = manExamples(c) + extra
	}
	if i := strings.Index(page, ".SH SEE ALSO"); i >= 0 {
		page = page[:i] + extra + page[i:]
	} else {
		page += extra
	}
	name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
	return os.WriteFile(filepath.Join(dir, name), []byte(page), 0o644)
}

// ExitCodes are lakectl's exit codes as SPEC.md fixes them.
var ExitCodes = []struct {
	Code    int
	Meaning string
}{
	{0, "success, including nothing new to do"},
	{1, "the work failed"},
	{2, "usage or configuration error (bad flag, unreadable config, malformed source spec)"},
	{3, "catalog check found a breaking schema change (including live files that disagree with each other)"},
	{4, "check (or a check job of run) found a data-quality rule of severity error failing"},
	{75, "another run holds this job's lock; try later (EX_TEMPFAIL, for cron)"},
}

// awsEnv are the AWS variables lakectl honours, through the AWS SDK's
// conventions.
var awsEnv = []struct{ Name, Meaning string }{
	{"AWS_PROFILE", "the shared-config profile whose credentials and region are used"},
	{"AWS_REGION", "the AWS region"},
	{"AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN", "static credentials, else the rest of the standard credential chain"},
	{"AWS_ENDPOINT_URL", "an endpoint for every AWS service"},
	{"AWS_ENDPOINT_URL_S3", "the S3 endpoint (S3-compatible stores); --s3-endpoint wins"},
	{"AWS_ENDPOINT_URL_REDSHIFT, AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS", "the Redshift and Redshift Serverless control planes"},
	{"AWS_ENDPOINT_URL_GLUE", "the Glue Data Catalog"},
	{"AWS_ENDPOINT_URL_SNS", "SNS, for notifications"},
}

// manSections renders EXIT STATUS, ENVIRONMENT and FILES, the same on
// every page; the global flags' variables come from the command tree.
func manSections(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString(".SH EXIT STATUS\n")
	for _, e := range ExitCodes {
		fmt.Fprintf(&b, ".TP\n\\fB%d\\fP\n%s\n", e.Code, e.Meaning)
	}
	b.WriteString(".SH ENVIRONMENT\n")
	b.WriteString(".TP\n\\fBLAKECTL_CONFIG\\fP\nthe config file, as --config\n")
	for _, name := range EnvVars(root) {
		f := root.PersistentFlags().Lookup(strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "LAKECTL_"), "_", "-")))
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fP\n%s\n", name, manEscape(f.Usage))
	}
	for _, e := range awsEnv {
		fmt.Fprintf(&b, ".TP\n\\fB%s\\fP\n%s\n", e.Name, e.Meaning)
	}
	b.WriteString(".TP\n\\fBNO_COLOR\\fP\nno colour in logs\n")
	b.WriteString(".SH FILES\n")
	b.WriteString(".TP\n\\fB./lakectl.yaml\\fP\nthe config file when --config is not given\n")
	b.WriteString(".TP\n\\fB$XDG_CONFIG_HOME/lakectl/config.yaml\\fP\nelse this one (~/.config/lakectl/config.yaml when XDG_CONFIG_HOME is unset)\n")
	b.WriteString(".TP\n\\fBLAKE/_lakectl/\\fP\nlakectl's own records in the lake: commit log, watermarks, locks, schema versions, manifests\n")
	return b.String()
}

// EnvVars are the LAKECTL_* variables of the global flags (every global
// flag but --config, which is LAKECTL_CONFIG).
func EnvVars(root *cobra.Command) []string {
	var out []string
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "config" || f.Name == "help" {
			return
		}
		out = append(out, "LAKECTL_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")))
	})
	return out
}

// manExamples is the EXAMPLES section of a command that declares no
// example: its subcommands' first examples, or else its own usage line, so
// that every page has the section.
func manExamples(c *cobra.Command) string {
	var lines []string
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
			continue
		}
		if ex := strings.TrimSpace(sub.Example); ex != "" {
			lines = append(lines, strings.TrimSpace(strings.SplitN(ex, "\n", 2)[0]))
		} else {
			lines = append(lines, usageExample(sub))
		}
	}
	if len(lines) == 0 {
		lines = append(lines, usageExample(c))
	}
	return ".SH EXAMPLES\n.PP\n.RS\n\n.nf\n" + manEscape(strings.Join(lines, "\n")) + "\n\n.fi\n.RE\n"
}

// usageExample is a command's usage line without cobra's "[flags]".
func usageExample(c *cobra.Command) string {
	return strings.TrimSpace(strings.TrimSuffix(c.UseLine(), " [flags]"))
}

func manEscape(s string) string { return strings.ReplaceAll(s, "-", "\\-") }

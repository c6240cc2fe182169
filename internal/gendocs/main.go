// Command gendocs regenerates man/ and completions/ from lakectl's command
// tree: `go generate ./...` runs it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/lakectl/lakectl/cmd"
	"github.com/lakectl/lakectl/internal/docgen"
	"github.com/lakectl/lakectl/internal/iostreams"
)

func main() {
	out := flag.String("out", ".", "repository root to write man/ and completions/ under")
	flag.Parse()
	io, _, _, _ := iostreams.Test()
	if err := docgen.Generate(cmd.NewRootCmd(cmd.NewFactory(io)), *out); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

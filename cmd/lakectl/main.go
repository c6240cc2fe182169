// Command lakectl runs an AWS data lake: extract, compact, catalog, load.
package main

import (
	"os"

	"github.com/lakectl/lakectl/cmd"
)

func main() { os.Exit(cmd.Main()) }

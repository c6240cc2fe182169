package cmd

// Job types of `lakectl run`; each has its kind in a runjob_*.go file,
// registered in newPipeline.
const (
	jobExtractMySQL = "extract-mysql"
	jobExtractAPI   = "extract-api"
	jobCompact      = "compact"
	jobCatalog      = "catalog"
	jobLoad         = "load"
	jobExtractFiles = "extract-files"
	jobExtractPG    = "extract-postgres"
)

package config

import (
	"errors"
	"io/fs"
	"os"

	"github.com/lakectl/lakectl/internal/input"
)

// checkConfigPath tells apart the ways a config file can be unusable
// before its syntax is read: missing, a folder, or not readable.
func checkConfigPath(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return input.Errorf("config file %s does not exist; check --config or LAKECTL_CONFIG", path)
	case err != nil:
		return input.Errorf("config file %s cannot be read (%v); check its permissions", path, errors.Unwrap(err))
	case fi.IsDir():
		return input.Errorf("config file %s is a folder; give --config the YAML file inside it", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return input.Errorf("config file %s cannot be read (%v); check its permissions", path, errors.Unwrap(err))
	}
	return f.Close()
}

package config

import (
	"strings"
	"time"

	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/internal/netx"
)

// Timeouts parses connect_timeout and io_timeout (empty: the defaults);
// a value that is not a positive duration is a usage error naming the
// flag, the variable and the key.
func (c *Config) Timeouts() (netx.Timeouts, error) {
	connect, err := positiveDuration("connect_timeout", c.ConnectTimeout)
	if err != nil {
		return netx.Timeouts{}, err
	}
	io, err := positiveDuration("io_timeout", c.IOTimeout)
	if err != nil {
		return netx.Timeouts{}, err
	}
	return netx.Timeouts{Connect: connect, IO: io}.WithDefaults(), nil
}

func positiveDuration(key, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 {
		return 0, input.Errorf("--%s %q is not a positive duration such as 30s or 5m (also %s_%s, or %s in the config file)",
			strings.ReplaceAll(key, "_", "-"), s, EnvPrefix, strings.ToUpper(key), key)
	}
	return d, nil
}

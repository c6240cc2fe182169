package redshift

import "github.com/lakectl/lakectl/internal/netx"

// SetTimeouts bounds the warehouse's connections; see
// postgres.Client.SetTimeouts.
func (w *Warehouse) SetTimeouts(t netx.Timeouts) { w.client.SetTimeouts(t) }

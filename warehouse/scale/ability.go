package scale

import "github.com/lakectl/lakectl/warehouse/driver"

// Scalable is the optional ability of a warehouse whose compute can be
// resized: it names its Redshift cluster or serverless workgroup (both
// empty when its URL names neither). The Redshift driver has it.
type Scalable interface {
	ScaleTarget() (cluster, workgroup string)
}

// AsScalable finds the ability in wh or in a warehouse it wraps.
func AsScalable(wh driver.Warehouse) (Scalable, bool) { return driver.As[Scalable](wh) }

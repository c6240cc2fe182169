package scale

import "github.com/lakectl/lakectl/warehouse/driver"

// Scalable is the optional ability of a warehouse whose compute can be
// resized: it names its Redshift cluster or serverless workgroup (both
// empty when its URL names neither). The Redshift driver has it.
type Scalable interface {
	ScaleTarget() (cluster, workgroup string)
}

// Unwrapper is a warehouse that wraps another (a recording or retrying
// layer); abilities are looked for through it.
type Unwrapper interface {
	Unwrap() driver.Warehouse
}

// AsScalable finds the ability in wh or in a warehouse it wraps.
func AsScalable(wh driver.Warehouse) (Scalable, bool) {
	for wh != nil {
		if s, ok := wh.(Scalable); ok {
			return s, true
		}
		u, ok := wh.(Unwrapper)
		if !ok {
			break
		}
		wh = u.Unwrap()
	}
	return nil, false
}

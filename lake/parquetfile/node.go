package parquetfile

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
)

// orderedGroup is a parquet group node whose fields keep the order they were
// declared in. parquet.Group is a map and sorts its fields by name, but
// Redshift COPY maps Parquet columns to table columns by position, so the
// file's column order must be the schema's.
type orderedGroup []parquet.Field

type namedField struct {
	parquet.Node
	name string
}

func (f *namedField) Name() string { return f.name }

// Value is only used by parquet-go to deconstruct Go structs; lakectl writes
// rows of values, so there is no Go value to walk.
func (f *namedField) Value(reflect.Value) reflect.Value { return reflect.Value{} }

func newOrderedGroup(names []string, nodes []parquet.Node) orderedGroup {
	g := make(orderedGroup, len(names))
	for i := range names {
		g[i] = &namedField{Node: nodes[i], name: names[i]}
	}
	return g
}

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return parquet.NewSchema("schema", g).String() }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group(nil).Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return goStructOf(g) }

// goStructOf mirrors parquet-go's struct type for a group; field names are
// synthetic because column names need not be Go identifiers.
func goStructOf(g orderedGroup) reflect.Type {
	fields := make([]reflect.StructField, len(g))
	for i, f := range g {
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(fmt.Sprintf("parquet:%q", f.Name())),
		}
	}
	return reflect.StructOf(fields)
}

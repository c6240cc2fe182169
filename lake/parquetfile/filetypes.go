package parquetfile

import (
	"fmt"

	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/lake/schema"
)

// conversion turns a value as another tool stored it into lake/schema's
// physical form for the mapped type. convNone: already in that form.
type conversion uint8

const (
	convNone         conversion = iota
	convInt96Micros             // INT96 (Impala/Spark) timestamp → µs
	convMillisMicros            // INT64 or INT32 milliseconds → INT64 µs
	convNanosMicros             // INT64 nanoseconds → µs (floor)
	convInt32ToInt64            // INT32 holding a 64-bit kind's value
	convInt64ToInt32            // INT64 holding a value of a 32-bit kind
	convDecimal                 // decimal in another physical form
	convFixedToBytes            // FIXED_LEN_BYTE_ARRAY → BYTE_ARRAY
	convUUIDString              // UUID's 16 bytes → its canonical text
)

// fileColumn is one leaf column of a Parquet file, as lakectl reads it.
type fileColumn struct {
	column   schema.Column
	physical format.Type
	conv     conversion
}

// SchemaFromParquet maps a Parquet file schema (its flattened schema
// elements, root first) to a lake schema. Only flat schemas of primitive
// columns are supported; nested, repeated and unknown types are an error
// naming the column.
func SchemaFromParquet(elements []format.SchemaElement) (schema.Schema, error) {
	cols, err := fileColumns(elements)
	if err != nil {
		return schema.Schema{}, err
	}
	s := schema.Schema{Columns: make([]schema.Column, len(cols))}
	for i, c := range cols {
		s.Columns[i] = c.column
	}
	return s, nil
}

func fileColumns(elements []format.SchemaElement) ([]fileColumn, error) {
	if len(elements) == 0 {
		return nil, fmt.Errorf("parquet schema is empty")
	}
	root := elements[0]
	n := int(root.NumChildren.V)
	if n != len(elements)-1 {
		for _, e := range elements[1:] {
			if e.NumChildren.V > 0 || !e.Type.Valid {
				return nil, fmt.Errorf("column %q: nested type (group, list, map or struct) is not supported", e.Name)
			}
		}
		return nil, fmt.Errorf("parquet schema: root has %d children but %d elements follow", n, len(elements)-1)
	}
	cols := make([]fileColumn, 0, n)
	for _, e := range elements[1:] {
		c, err := fileColumnOf(e)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", e.Name, err)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

func fileColumnOf(e format.SchemaElement) (fileColumn, error) {
	if e.NumChildren.V > 0 || !e.Type.Valid {
		return fileColumn{}, fmt.Errorf("nested type (group, list, map or struct) is not supported")
	}
	rep := e.RepetitionType.V
	if e.RepetitionType.Valid && rep == format.Repeated {
		return fileColumn{}, fmt.Errorf("repeated field is not supported")
	}
	t, conv, err := typeOfElement(e)
	if err != nil {
		return fileColumn{}, err
	}
	if err := t.Validate(); err != nil {
		return fileColumn{}, err
	}
	return fileColumn{
		column:   schema.Column{Name: e.Name, Type: t, Nullable: rep != format.Required},
		physical: e.Type.V,
		conv:     conv,
	}, nil
}

// typeOfElement reads the logical type first, then the legacy converted
// type, then the physical type.
func typeOfElement(e format.SchemaElement) (schema.Type, conversion, error) {
	physical := e.Type.V
	conv := func(t schema.Type) (schema.Type, conversion, error) {
		return t, conversionFor(t, physical), nil
	}
	switch lt := e.LogicalType.Value.(type) {
	case nil:
	case *format.IntType:
		return conv(intType(int(lt.BitWidth), lt.IsSigned))
	case *format.DecimalType:
		return decimalType(int(lt.Precision), int(lt.Scale), physical)
	case *format.StringType, *format.EnumType:
		return conv(schema.TString)
	case *format.JsonType:
		return conv(schema.TJSON)
	case *format.UUIDType:
		// DuckDB, Spark and Arrow write UUIDs so; the lake keeps their
		// text, which every warehouse and Athena can hold.
		if physical != format.FixedLenByteArray || e.TypeLength.V != 16 {
			return schema.Type{}, 0, fmt.Errorf("UUID stored as %s is not supported", physical)
		}
		return schema.TString, convUUIDString, nil
	case *format.BsonType:
		return conv(schema.TBytes)
	case *format.DateType:
		return conv(schema.TDate)
	case *format.TimestampType:
		return timeUnitType(schema.TTimestamp, lt.Unit.Value, physical)
	case *format.TimeType:
		return timeUnitType(schema.TTime, lt.Unit.Value, physical)
	default:
		return schema.Type{}, 0, fmt.Errorf("parquet logical type %s is not supported", lt)
	}
	if e.ConvertedType.Valid {
		return convertedType(e, conv)
	}
	switch physical {
	case format.Boolean:
		return schema.TBool, convNone, nil
	case format.Int32:
		return schema.TInt32, convNone, nil
	case format.Int64:
		return schema.TInt64, convNone, nil
	case format.Int96:
		return schema.TTimestamp, convInt96Micros, nil
	case format.Float:
		return schema.TFloat32, convNone, nil
	case format.Double:
		return schema.TFloat64, convNone, nil
	case format.ByteArray:
		return schema.TBytes, convNone, nil
	case format.FixedLenByteArray:
		return schema.TBytes, convFixedToBytes, nil
	}
	return schema.Type{}, 0, fmt.Errorf("parquet physical type %s is not supported", physical)
}

// convertedType maps the legacy converted type, for files written before
// logical types (older Spark, Hive, Impala).
func convertedType(e format.SchemaElement, conv func(schema.Type) (schema.Type, conversion, error)) (schema.Type, conversion, error) {
	physical := e.Type.V
	switch ct := e.ConvertedType.V; ct {
	case deprecated.UTF8, deprecated.Enum:
		return conv(schema.TString)
	case deprecated.Json:
		return conv(schema.TJSON)
	case deprecated.Bson:
		return conv(schema.TBytes)
	case deprecated.Date:
		return conv(schema.TDate)
	case deprecated.Decimal:
		return decimalType(int(e.Precision.V), int(e.Scale.V), physical)
	case deprecated.TimeMillis:
		return timeUnitType(schema.TTime, &format.MilliSeconds{}, physical)
	case deprecated.TimeMicros:
		return timeUnitType(schema.TTime, &format.MicroSeconds{}, physical)
	case deprecated.TimestampMillis:
		return timeUnitType(schema.TTimestamp, &format.MilliSeconds{}, physical)
	case deprecated.TimestampMicros:
		return timeUnitType(schema.TTimestamp, &format.MicroSeconds{}, physical)
	case deprecated.Int8, deprecated.Int16, deprecated.Int32, deprecated.Int64:
		return conv(intType(8<<(ct-deprecated.Int8), true))
	case deprecated.Uint8, deprecated.Uint16, deprecated.Uint32, deprecated.Uint64:
		return conv(intType(8<<(ct-deprecated.Uint8), false))
	default:
		return schema.Type{}, 0, fmt.Errorf("parquet converted type %d is not supported", ct)
	}
}

func intType(bits int, signed bool) schema.Type {
	kinds := [2][4]schema.Kind{
		{schema.Uint8, schema.Uint16, schema.Uint32, schema.Uint64},
		{schema.Int8, schema.Int16, schema.Int32, schema.Int64},
	}
	row := kinds[0]
	if signed {
		row = kinds[1]
	}
	switch bits {
	case 8:
		return schema.Type{Kind: row[0]}
	case 16:
		return schema.Type{Kind: row[1]}
	case 32:
		return schema.Type{Kind: row[2]}
	}
	return schema.Type{Kind: row[3]}
}

// conversionFor is the conversion from a physical type to the physical
// form lakectl uses for t, for types whose meaning does not change.
func conversionFor(t schema.Type, physical format.Type) conversion {
	want := checkOf(t).kind
	switch {
	case int32(want) == int32(physical):
		return convNone
	case physical == format.Int32 && int32(want) == int32(format.Int64):
		return convInt32ToInt64
	case physical == format.Int64 && int32(want) == int32(format.Int32):
		return convInt64ToInt32
	case physical == format.FixedLenByteArray && int32(want) == int32(format.ByteArray):
		return convFixedToBytes
	}
	return convNone
}

func decimalType(precision, scale int, physical format.Type) (schema.Type, conversion, error) {
	t := schema.DecimalOf(precision, scale)
	if err := t.Validate(); err != nil {
		return schema.Type{}, 0, err
	}
	switch {
	case precision <= 9 && physical == format.Int32,
		precision > 9 && precision <= 18 && physical == format.Int64:
		return t, convNone, nil
	case physical == format.Int32, physical == format.Int64,
		physical == format.ByteArray, physical == format.FixedLenByteArray:
		return t, convDecimal, nil
	}
	return schema.Type{}, 0, fmt.Errorf("decimal stored as %s is not supported", physical)
}

func timeUnitType(t schema.Type, unit format.TimeUnitValue, physical format.Type) (schema.Type, conversion, error) {
	switch u := unit.(type) {
	case *format.MilliSeconds:
		return t, convMillisMicros, nil
	case *format.MicroSeconds:
		if physical != format.Int64 {
			return schema.Type{}, 0, fmt.Errorf("%s in microseconds stored as %s is not supported", t, physical)
		}
		return t, convNone, nil
	case *format.NanoSeconds:
		return t, convNanosMicros, nil
	default:
		return schema.Type{}, 0, fmt.Errorf("%s with time unit %v is not supported", t, u)
	}
}

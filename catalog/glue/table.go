package glue

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/lakectl/lakectl/catalog"
)

// The Parquet formats of a Glue/Athena table (STORED AS PARQUET).
const (
	parquetSerDe  = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	parquetInput  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
	parquetOutput = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
)

// Table parameters lakectl sets besides the Hive table's own.
const (
	paramVersion     = "lakectl.schema_version"
	paramFingerprint = "lakectl.fingerprint"
)

// tableInput is the Glue definition of a catalog version: an external
// Parquet table at h.Location.
func tableInput(h *catalog.HiveTable, v *catalog.Version) *types.TableInput {
	params := map[string]string{
		"EXTERNAL":       "TRUE",
		paramVersion:     strconv.Itoa(v.N),
		paramFingerprint: v.Fingerprint,
	}
	for _, p := range h.Parameters {
		params[p[0]] = p[1]
	}
	return &types.TableInput{
		Name:              aws.String(h.Name),
		TableType:         aws.String("EXTERNAL_TABLE"),
		Parameters:        params,
		PartitionKeys:     glueColumns(h.PartitionKeys),
		StorageDescriptor: storage(h.Columns, h.Location),
	}
}

func storage(cols []catalog.HiveColumn, location string) *types.StorageDescriptor {
	return &types.StorageDescriptor{
		Columns:      glueColumns(cols),
		Location:     aws.String(location),
		InputFormat:  aws.String(parquetInput),
		OutputFormat: aws.String(parquetOutput),
		SerdeInfo: &types.SerDeInfo{
			SerializationLibrary: aws.String(parquetSerDe),
			Parameters:           map[string]string{"serialization.format": "1"},
		},
	}
}

func glueColumns(cols []catalog.HiveColumn) []types.Column {
	out := make([]types.Column, len(cols))
	for i, c := range cols {
		out[i] = types.Column{Name: aws.String(strings.ToLower(c.Name)), Type: aws.String(c.Type)}
	}
	return out
}

// managed says whether lakectl owns a table parameter: the ones it sets,
// and the projection keys it may have set before (so dropping projection
// is a change).
func managed(key string, want map[string]string) bool {
	if _, ok := want[key]; ok {
		return true
	}
	return strings.HasPrefix(key, "projection.") || key == "storage.location.template" || strings.HasPrefix(key, "lakectl.")
}

// merged is want with the parameters of have that lakectl does not own
// (set by people or other tools), which an update keeps.
func merged(want *types.TableInput, have *types.Table) *types.TableInput {
	out := *want
	out.Parameters = maps.Clone(want.Parameters)
	for k, v := range have.Parameters {
		if !managed(k, want.Parameters) {
			out.Parameters[k] = v
		}
	}
	return &out
}

// sameTable says whether have already is want, in what lakectl owns:
// type, columns, partition keys, location, formats, SerDe, parameters.
func sameTable(want *types.TableInput, have *types.Table) bool {
	if aws.ToString(have.TableType) != aws.ToString(want.TableType) ||
		!sameColumns(have.PartitionKeys, want.PartitionKeys) || have.StorageDescriptor == nil {
		return false
	}
	hs, ws := have.StorageDescriptor, want.StorageDescriptor
	if aws.ToString(hs.Location) != aws.ToString(ws.Location) || aws.ToString(hs.InputFormat) != aws.ToString(ws.InputFormat) ||
		aws.ToString(hs.OutputFormat) != aws.ToString(ws.OutputFormat) || hs.SerdeInfo == nil ||
		aws.ToString(hs.SerdeInfo.SerializationLibrary) != aws.ToString(ws.SerdeInfo.SerializationLibrary) ||
		!sameColumns(hs.Columns, ws.Columns) {
		return false
	}
	for k, v := range have.Parameters {
		if managed(k, want.Parameters) && want.Parameters[k] != v {
			return false
		}
	}
	for k, v := range want.Parameters {
		if have.Parameters[k] != v {
			return false
		}
	}
	return true
}

func sameColumns(a, b []types.Column) bool {
	return slices.EqualFunc(a, b, func(x, y types.Column) bool {
		return strings.EqualFold(aws.ToString(x.Name), aws.ToString(y.Name)) && strings.EqualFold(aws.ToString(x.Type), aws.ToString(y.Type))
	})
}

package warehouse_test

import (
	"strings"
	"testing"

	"github.com/lakectl/lakectl/internal/awsfake"
	"github.com/lakectl/lakectl/lake/table"
	"github.com/lakectl/lakectl/warehouse"
)

// A load through the Redshift endpoint with iam=true: the login is the
// temporary user the control plane issued (GetClusterCredentials), and
// the rows arrive as with a stored password.
func TestRedshiftIAMLoad(t *testing.T) {
	fake := awsfake.StartRedshift(t)
	store := s3Lake(t)
	fake.Env(t) // after the lake: its S3 credentials stay the MinIO ones
	fake.AddCluster(&awsfake.RedshiftCluster{ID: "analytics", NodeType: "ra3.xlplus", Nodes: 2, DBUsers: []string{"awsuser"}})
	tg := redshiftTarget(t)
	tg.url = strings.Replace(tg.url, "awsuser:sim-Passw0rd@", "awsuser@", 1) + "&iam=true&cluster=analytics"
	b := makeRecs(1, 400, 1)
	appendBatch(t, store, "orders", b, table.PartitionRule{})
	if res := load(t, tg, store, warehouse.LoadOptions{Table: "orders"}); res.Rows != 400 {
		t.Fatalf("loaded %d rows", res.Rows)
	}
	checkAggregates(t, tg.agg(t, "orders"), expected(b))
	if issued := fake.Issued(); len(issued) == 0 || issued[0].User != "IAM:awsuser" {
		t.Fatalf("no temporary credentials issued: %+v", issued)
	}
}

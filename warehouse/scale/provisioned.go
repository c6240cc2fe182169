package scale

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
)

// cluster is a provisioned cluster: elastic resize of its node count. Its
// shape repeats workgroup's on purpose: one resizer per control-plane API.
type cluster struct {
	id string
	c  *redshift.Client
}

func (c *cluster) kind() string { return Provisioned }
func (c *cluster) unit() string { return "nodes" }

func (c *cluster) size(ctx context.Context) (Size, error) {
	out, err := c.c.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(c.id)})
	if err != nil {
		return Size{}, fmt.Errorf("describe cluster %s: %w", c.id, err)
	}
	if len(out.Clusters) == 0 {
		return Size{}, fmt.Errorf("describe cluster %s: not found", c.id)
	}
	cl := out.Clusters[0]
	sz := Size{Kind: Provisioned, Name: c.id, Count: int(aws.ToInt32(cl.NumberOfNodes)), Unit: "nodes",
		NodeType: aws.ToString(cl.NodeType), State: aws.ToString(cl.ClusterStatus)}
	if st, _, err := c.resizeStatus(ctx); err == nil {
		sz.Resize = st
	}
	return sz, nil
}

// allowed asks DescribeNodeConfigurationOptions (resize-cluster) which node
// counts of the cluster's node type a resize may go to.
func (c *cluster) allowed(ctx context.Context, cur Size) ([]int, error) {
	p := redshift.NewDescribeNodeConfigurationOptionsPaginator(c.c, &redshift.DescribeNodeConfigurationOptionsInput{
		ActionType:        types.ActionTypeResizeCluster,
		ClusterIdentifier: aws.String(c.id),
	})
	var out []int
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe node configuration options of cluster %s: %w", c.id, err)
		}
		for _, o := range page.NodeConfigurationOptionList {
			n := int(aws.ToInt32(o.NumberOfNodes))
			if aws.ToString(o.NodeType) == cur.NodeType && n > 0 && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func (c *cluster) start(ctx context.Context, cur Size, to int) error {
	_, err := c.c.ResizeCluster(ctx, &redshift.ResizeClusterInput{
		ClusterIdentifier: aws.String(c.id),
		NodeType:          aws.String(cur.NodeType),
		NumberOfNodes:     aws.Int32(int32(to)),
		Classic:           aws.Bool(false),
	})
	if err != nil {
		return fmt.Errorf("resize cluster %s to %d nodes: %w", c.id, to, err)
	}
	return nil
}

// resizeStatus is DescribeResize's status and target ("NONE" when the
// cluster was never resized).
func (c *cluster) resizeStatus(ctx context.Context) (string, *redshift.DescribeResizeOutput, error) {
	out, err := c.c.DescribeResize(ctx, &redshift.DescribeResizeInput{ClusterIdentifier: aws.String(c.id)})
	var nf *types.ResizeNotFoundFault
	if errors.As(err, &nf) {
		return "NONE", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("describe resize of cluster %s: %w", c.id, err)
	}
	return aws.ToString(out.Status), out, nil
}

// settled follows DescribeResize, not the cluster status (which reads
// "available" during parts of a resize), then checks the cluster is
// available at the node count. Only SUCCEEDED, FAILED and NONE are ends:
// CANCELLING, IN_PROGRESS and any status added later are not
// (https://docs.aws.amazon.com/redshift/latest/APIReference/API_DescribeResize.html).
func (c *cluster) settled(ctx context.Context, to int) (bool, string, error) {
	st, out, err := c.resizeStatus(ctx)
	if err != nil {
		return false, "", err
	}
	switch st {
	case "NONE", "SUCCEEDED":
	case "FAILED":
		if to > 0 && int(aws.ToInt32(out.TargetNumberOfNodes)) == to {
			return false, st, fmt.Errorf("%w: cluster %s to %d nodes: %s", errResizeFailed, c.id, to, aws.ToString(out.Message))
		}
	default:
		return false, st, nil
	}
	sz, err := c.size(ctx)
	if err != nil {
		return false, "", err
	}
	return sz.State == "available" && (to <= 0 || sz.Count == to), st + ", cluster " + sz.State, nil
}

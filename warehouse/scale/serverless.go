package scale

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshiftserverless"
)

// workgroup is a serverless workgroup: its base capacity in RPUs (shaped
// like cluster on purpose: one resizer per control-plane API).
type workgroup struct {
	name string
	c    *redshiftserverless.Client
}

func (w *workgroup) kind() string { return Serverless }
func (w *workgroup) unit() string { return "rpu" }

func (w *workgroup) size(ctx context.Context) (Size, error) {
	out, err := w.c.GetWorkgroup(ctx, &redshiftserverless.GetWorkgroupInput{WorkgroupName: aws.String(w.name)})
	if err != nil {
		return Size{}, fmt.Errorf("get workgroup %s: %w", w.name, err)
	}
	if out.Workgroup == nil {
		return Size{}, fmt.Errorf("get workgroup %s: empty answer", w.name)
	}
	return Size{Kind: Serverless, Name: w.name, Count: int(aws.ToInt32(out.Workgroup.BaseCapacity)), Unit: "rpu",
		State: string(out.Workgroup.Status)}, nil
}

// allowed is every base capacity some region accepts: 4, 8 to 512 in
// steps of 8, 544 to 1024 in steps of 32. UpdateWorkgroup refuses what
// this region does not offer.
func (w *workgroup) allowed(context.Context, Size) ([]int, error) {
	out := []int{MinRPU}
	for n := 8; n <= maxRPUStep8; n += 8 {
		out = append(out, n)
	}
	for n := maxRPUStep8 + 32; n <= MaxRPU; n += 32 {
		out = append(out, n)
	}
	return out, nil
}

// start changes only BaseCapacity: UpdateWorkgroup takes one parameter
// per call.
func (w *workgroup) start(ctx context.Context, _ Size, to int) error {
	_, err := w.c.UpdateWorkgroup(ctx, &redshiftserverless.UpdateWorkgroupInput{
		WorkgroupName: aws.String(w.name),
		BaseCapacity:  aws.Int32(int32(to)),
	})
	if err != nil {
		return fmt.Errorf("update base capacity of workgroup %s to %d RPUs: %w", w.name, to, err)
	}
	return nil
}

func (w *workgroup) settled(ctx context.Context, to int) (bool, string, error) {
	sz, err := w.size(ctx)
	if err != nil {
		return false, "", err
	}
	return sz.State == "AVAILABLE" && (to <= 0 || sz.Count == to), sz.State, nil
}

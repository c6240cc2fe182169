// RedshiftServer is the one stand-in for the Redshift control
// plane, which cannot run here: a real HTTP server speaking the Redshift
// Query API (XML) and the Redshift Serverless JSON 1.1 protocol well
// enough for the calls package scale makes (DescribeClusters,
// DescribeNodeConfigurationOptions, ResizeCluster, DescribeResize,
// GetWorkgroup, UpdateWorkgroup). The SDK reaches it through
// AWS_ENDPOINT_URL_REDSHIFT / AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS (Env).
//
// It can fail the ways the real one does: a resize outside the allowed
// node counts is refused, a resize can stay in progress forever or end
// FAILED, and requests can be throttled (ThrottlingException).
// For tests only.
package awsfake

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// RedshiftServer is a fake control plane with clusters and workgroups.
type RedshiftServer struct {
	URL string

	mu         sync.Mutex
	clusters   map[string]*RedshiftCluster
	workgroups map[string]*RedshiftWorkgroup
	throttle   int
	calls      []string
}

// RedshiftCluster is a provisioned cluster of the fake.
type RedshiftCluster struct {
	ID       string
	NodeType string
	Nodes    int
	// Allowed are the node counts DescribeNodeConfigurationOptions offers
	// (and the only ones ResizeCluster accepts).
	Allowed []int
	// ResizePolls is how many DescribeResize calls see IN_PROGRESS before
	// the resize ends; negative: it never ends (stuck).
	ResizePolls int
	// FailResize makes the next resize end FAILED (size unchanged).
	FailResize bool

	status       string // available, resizing
	resizeStatus string // "", IN_PROGRESS, SUCCEEDED, FAILED
	resizeTarget int
	pollsLeft    int
	failing      bool
	// Classic records the Classic parameter of every ResizeCluster call.
	Classic []string
}

// RedshiftWorkgroup is a serverless workgroup of the fake.
type RedshiftWorkgroup struct {
	Name string
	RPU  int
	// UpdatePolls is how many GetWorkgroup calls see MODIFYING after an
	// update; negative: forever.
	UpdatePolls int

	status    string
	target    int
	pollsLeft int
}

// New starts the fake; it stops when the test ends.
func StartRedshift(t testing.TB) *RedshiftServer {
	s := &RedshiftServer{clusters: map[string]*RedshiftCluster{}, workgroups: map[string]*RedshiftWorkgroup{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Env points the AWS SDK of this process at the fake, with dummy
// credentials, for the rest of the test.
func (s *RedshiftServer) Env(t testing.TB) {
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT", s.URL)
	t.Setenv("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS", s.URL)
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
}

// AddCluster adds an available cluster.
func (s *RedshiftServer) AddCluster(c *RedshiftCluster) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.status = "available"
	s.clusters[c.ID] = c
}

// AddWorkgroup adds an available workgroup.
func (s *RedshiftServer) AddWorkgroup(w *RedshiftWorkgroup) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.status = "AVAILABLE"
	s.workgroups[w.Name] = w
}

// Throttle answers the next n requests with ThrottlingException.
func (s *RedshiftServer) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// ClusterNodes is a cluster's node count and status.
func (s *RedshiftServer) ClusterNodes(id string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clusters[id]
	return c.Nodes, c.status
}

// WorkgroupRPU is a workgroup's base capacity and status.
func (s *RedshiftServer) WorkgroupRPU(name string) (int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.workgroups[name]
	return w.RPU, w.status
}

// Calls lists the actions received, in order (throttled ones included).
func (s *RedshiftServer) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Count is how many times action was received.
func (s *RedshiftServer) Count(action string) int {
	n := 0
	for _, c := range s.Calls() {
		if c == action {
			n++
		}
	}
	return n
}

func (s *RedshiftServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		op := strings.TrimPrefix(target, "RedshiftServerless.")
		s.calls = append(s.calls, op)
		if s.throttled() {
			serverlessError(w, 400, "ThrottlingException", "Rate exceeded")
			return
		}
		s.serverless(w, op, body)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		redshiftQueryError(w, 400, "InvalidQueryParameter", err.Error())
		return
	}
	op := form.Get("Action")
	s.calls = append(s.calls, op)
	if s.throttled() {
		redshiftQueryError(w, 400, "Throttling", "Rate exceeded")
		return
	}
	s.provisioned(w, op, form)
}

func (s *RedshiftServer) throttled() bool {
	if s.throttle > 0 {
		s.throttle--
		return true
	}
	return false
}

// provisioned answers the Query API (form in, XML out).
func (s *RedshiftServer) provisioned(w http.ResponseWriter, op string, form url.Values) {
	c, ok := s.clusters[form.Get("ClusterIdentifier")]
	if !ok {
		redshiftQueryError(w, 404, "ClusterNotFound", "Cluster "+form.Get("ClusterIdentifier")+" not found.")
		return
	}
	switch op {
	case "DescribeClusters":
		redshiftQueryOK(w, op, "<Clusters><Cluster>"+redshiftClusterXML(c)+"</Cluster></Clusters>")
	case "DescribeNodeConfigurationOptions":
		if form.Get("ActionType") != "resize-cluster" {
			redshiftQueryError(w, 400, "InvalidParameterValue", "ActionType must be resize-cluster here")
			return
		}
		var b strings.Builder
		b.WriteString("<NodeConfigurationOptionList>")
		for _, n := range c.Allowed {
			fmt.Fprintf(&b, "<NodeConfigurationOption><NodeType>%s</NodeType><NumberOfNodes>%d</NumberOfNodes><EstimatedDiskUtilizationPercent>40.0</EstimatedDiskUtilizationPercent><Mode>standard</Mode></NodeConfigurationOption>",
				html.EscapeString(c.NodeType), n)
		}
		b.WriteString("</NodeConfigurationOptionList>")
		redshiftQueryOK(w, op, b.String())
	case "ResizeCluster":
		n, _ := strconv.Atoi(form.Get("NumberOfNodes"))
		c.Classic = append(c.Classic, form.Get("Classic"))
		switch {
		case c.resizeStatus == "IN_PROGRESS":
			redshiftQueryError(w, 400, "InvalidClusterState", "The cluster is being resized.")
			return
		case !slices.Contains(c.Allowed, n):
			redshiftQueryError(w, 400, "UnsupportedOperation", fmt.Sprintf("Resize to %d nodes is not supported for this cluster.", n))
			return
		}
		c.status, c.resizeStatus, c.resizeTarget, c.pollsLeft, c.failing = "resizing", "IN_PROGRESS", n, c.ResizePolls, c.FailResize
		c.FailResize = false
		redshiftQueryOK(w, op, "<Cluster>"+redshiftClusterXML(c)+"</Cluster>")
	case "DescribeResize":
		if c.resizeStatus == "" {
			redshiftQueryError(w, 404, "ResizeNotFound", "A resize operation for the specified cluster is not found.")
			return
		}
		if c.resizeStatus == "IN_PROGRESS" && c.pollsLeft >= 0 {
			if c.pollsLeft == 0 {
				c.status = "available"
				if c.failing {
					c.resizeStatus = "FAILED"
				} else {
					c.resizeStatus, c.Nodes = "SUCCEEDED", c.resizeTarget
				}
			} else {
				c.pollsLeft--
			}
		}
		msg := ""
		if c.resizeStatus == "FAILED" {
			msg = "<Message>Resize failed: insufficient capacity for the requested node type.</Message>"
		}
		redshiftQueryOK(w, op, fmt.Sprintf("<TargetNodeType>%s</TargetNodeType><TargetNumberOfNodes>%d</TargetNumberOfNodes><TargetClusterType>multi-node</TargetClusterType><Status>%s</Status><ResizeType>ElasticResize</ResizeType>%s",
			html.EscapeString(c.NodeType), c.resizeTarget, c.resizeStatus, msg))
	default:
		redshiftQueryError(w, 400, "InvalidAction", "The fake does not know "+op)
	}
}

func redshiftClusterXML(c *RedshiftCluster) string {
	return fmt.Sprintf("<ClusterIdentifier>%s</ClusterIdentifier><NodeType>%s</NodeType><ClusterStatus>%s</ClusterStatus><ClusterAvailabilityStatus>Available</ClusterAvailabilityStatus><NumberOfNodes>%d</NumberOfNodes>",
		html.EscapeString(c.ID), html.EscapeString(c.NodeType), c.status, c.Nodes)
}

func redshiftQueryOK(w http.ResponseWriter, op, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake-1</RequestId></ResponseMetadata></%sResponse>`,
		op, op, inner, op, op)
}

func redshiftQueryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-1</RequestId></ErrorResponse>`,
		code, html.EscapeString(msg))
}

// serverless answers the JSON 1.1 protocol.
func (s *RedshiftServer) serverless(w http.ResponseWriter, op string, body []byte) {
	var in struct {
		WorkgroupName string `json:"workgroupName"`
		BaseCapacity  *int   `json:"baseCapacity"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		serverlessError(w, 400, "ValidationException", err.Error())
		return
	}
	wg, ok := s.workgroups[in.WorkgroupName]
	if !ok {
		serverlessError(w, 400, "ResourceNotFoundException", "Workgroup "+in.WorkgroupName+" not found.")
		return
	}
	switch op {
	case "GetWorkgroup":
		if wg.status == "MODIFYING" && wg.pollsLeft >= 0 {
			if wg.pollsLeft == 0 {
				wg.status, wg.RPU = "AVAILABLE", wg.target
			} else {
				wg.pollsLeft--
			}
		}
	case "UpdateWorkgroup":
		switch {
		case in.BaseCapacity == nil:
			serverlessError(w, 400, "ValidationException", "nothing to update")
			return
		case *in.BaseCapacity < 8 || *in.BaseCapacity > 512 || *in.BaseCapacity%8 != 0:
			serverlessError(w, 400, "ValidationException", "Base capacity must be between 8 and 512 in units of 8.")
			return
		case wg.status != "AVAILABLE":
			serverlessError(w, 400, "ConflictException", "The workgroup is being modified.")
			return
		}
		wg.status, wg.target, wg.pollsLeft = "MODIFYING", *in.BaseCapacity, wg.UpdatePolls
	default:
		serverlessError(w, 400, "UnknownOperationException", "The fake does not know "+op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"workgroup": map[string]any{
		"workgroupName": wg.Name, "baseCapacity": wg.RPU, "status": wg.status,
	}})
}

func serverlessError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

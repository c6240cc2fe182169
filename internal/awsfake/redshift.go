// RedshiftServer is the one stand-in for the Redshift control plane,
// which cannot run here: a real HTTP server speaking the Redshift Query
// API (XML) and the Redshift Serverless JSON 1.1 protocol well enough for
// the calls lakectl makes (DescribeClusters,
// DescribeNodeConfigurationOptions, ResizeCluster, DescribeResize,
// CancelResize, GetClusterCredentials; GetWorkgroup, UpdateWorkgroup,
// GetCredentials). The SDK reaches it through AWS_ENDPOINT_URL_REDSHIFT /
// AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS (Env).
//
// It can fail the ways the real one does: a resize outside the allowed
// node counts is refused, a resize can be slow, stay in progress forever,
// end FAILED or be cancelled (CANCELLING), requests can be throttled
// (ThrottlingException) or answer 500 for a while (InternalFailure).
package awsfake

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RedshiftServer is a fake control plane with clusters and workgroups.
type RedshiftServer struct {
	URL string

	mu          sync.Mutex
	clusters    map[string]*RedshiftCluster
	workgroups  map[string]*RedshiftWorkgroup
	throttle    int
	calls       []string
	issued      int
	credentials []IssuedCredential
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
	// CancelPolls is how many DescribeResize calls see CANCELLING after
	// CancelResize before the resize ends (cancelled resizes end FAILED,
	// the size unchanged).
	CancelPolls int
	// FlakyPolls is how many DescribeResize calls made while a resize is
	// in progress answer 500 InternalFailure (AWS's transient server
	// error, retried by the SDK and then returned to the caller).
	FlakyPolls int
	// DBUsers are the database users GetClusterCredentials knows;
	// AutoCreate in the request adds one.
	DBUsers []string

	status       string // available, resizing
	resizeStatus string // "", IN_PROGRESS, SUCCEEDED, FAILED
	resizeTarget int
	pollsLeft    int
	failing      bool
	cancelled    bool
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
	// MaxRPU is the region's largest base capacity: 512, or 1024 in the
	// regions that offer it (0 means 512).
	MaxRPU int
	// FlakyPolls is how many GetWorkgroup calls made while the workgroup
	// is MODIFYING answer 500 InternalServerException.
	FlakyPolls int
	// DBUser is the database user GetCredentials maps the caller to
	// ("" means IAMR:lakectl).
	DBUser string

	status    string
	target    int
	pollsLeft int
}

// StartRedshift starts the fake; it stops when the test ends.
func StartRedshift(t testing.TB) *RedshiftServer {
	s := &RedshiftServer{clusters: map[string]*RedshiftCluster{}, workgroups: map[string]*RedshiftWorkgroup{}}
	s.URL = serve(t, s.serve)
	return s
}

// Env points the AWS SDK of this process at the fake, with dummy
// credentials, for the rest of the test.
func (s *RedshiftServer) Env(t testing.TB) {
	setEnv(t, s.URL, "eu-west-1", "AWS_ENDPOINT_URL_REDSHIFT", "AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS")
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
		describeNodeConfigurationOptions(w, c, form)
	case "ResizeCluster":
		resizeCluster(w, c, form)
	case "DescribeResize":
		describeResize(w, c)
	case "CancelResize":
		if !c.cancelResize() {
			redshiftQueryError(w, 400, "InvalidClusterState", "No resize in progress to cancel.")
			return
		}
		redshiftQueryOK(w, op, "<Status>CANCELLING</Status>")
	case "GetClusterCredentials":
		s.getClusterCredentials(w, c, form)
	default:
		redshiftQueryError(w, 400, "InvalidAction", "The fake does not know "+op)
	}
}

// describeNodeConfigurationOptions lists the node counts a resize may go to:
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_DescribeNodeConfigurationOptions.html
func describeNodeConfigurationOptions(w http.ResponseWriter, c *RedshiftCluster, form url.Values) {
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
	redshiftQueryOK(w, "DescribeNodeConfigurationOptions", b.String())
}

// resizeCluster starts an elastic resize; one already running (or being
// cancelled) refuses a second:
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_ResizeCluster.html
func resizeCluster(w http.ResponseWriter, c *RedshiftCluster, form url.Values) {
	n, _ := strconv.Atoi(form.Get("NumberOfNodes"))
	c.Classic = append(c.Classic, form.Get("Classic"))
	switch {
	case c.resizeStatus == "IN_PROGRESS" || c.resizeStatus == "CANCELLING":
		redshiftQueryError(w, 400, "InvalidClusterState", "The cluster is being resized.")
		return
	case !slices.Contains(c.Allowed, n):
		redshiftQueryError(w, 400, "UnsupportedOperation", fmt.Sprintf("Resize to %d nodes is not supported for this cluster.", n))
		return
	}
	c.status, c.resizeStatus, c.resizeTarget, c.pollsLeft, c.failing, c.cancelled = "resizing", "IN_PROGRESS", n, c.ResizePolls, c.FailResize, false
	c.FailResize = false
	redshiftQueryOK(w, "ResizeCluster", "<Cluster>"+redshiftClusterXML(c)+"</Cluster>")
}

// describeResize advances the resize by one poll. Status is one of NONE,
// IN_PROGRESS, FAILED, SUCCEEDED, CANCELLING; a cluster never resized is
// ResizeNotFound (HTTP 404):
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_DescribeResize.html
func describeResize(w http.ResponseWriter, c *RedshiftCluster) {
	if c.resizeStatus == "" {
		redshiftQueryError(w, 404, "ResizeNotFound", "A resize operation for the specified cluster is not found.")
		return
	}
	if (c.resizeStatus == "IN_PROGRESS" || c.resizeStatus == "CANCELLING") && c.FlakyPolls > 0 {
		c.FlakyPolls--
		redshiftQueryError(w, 500, "InternalFailure", "We encountered an internal error. Please try again.")
		return
	}
	c.advance()
	msg := ""
	switch {
	case c.resizeStatus == "FAILED" && c.cancelled:
		msg = "<Message>Resize cancelled.</Message>"
	case c.resizeStatus == "FAILED":
		msg = "<Message>Resize failed: insufficient capacity for the requested node type.</Message>"
	}
	redshiftQueryOK(w, "DescribeResize", fmt.Sprintf("<TargetNodeType>%s</TargetNodeType><TargetNumberOfNodes>%d</TargetNumberOfNodes><TargetClusterType>multi-node</TargetClusterType><Status>%s</Status><ResizeType>ElasticResize</ResizeType>%s",
		html.EscapeString(c.NodeType), c.resizeTarget, c.resizeStatus, msg))
}

// advance moves a running resize one poll closer to its end. The node
// count changes only when the resize SUCCEEDED.
func (c *RedshiftCluster) advance() {
	switch {
	case c.resizeStatus == "CANCELLING" && c.pollsLeft == 0:
		c.status, c.resizeStatus = "available", "FAILED"
	case c.resizeStatus == "IN_PROGRESS" && c.pollsLeft == 0:
		c.status = "available"
		if c.failing {
			c.resizeStatus = "FAILED"
		} else {
			c.resizeStatus, c.Nodes = "SUCCEEDED", c.resizeTarget
		}
	case (c.resizeStatus == "IN_PROGRESS" || c.resizeStatus == "CANCELLING") && c.pollsLeft > 0:
		c.pollsLeft--
	}
}

// cancelResize is CancelResize: the resize goes CANCELLING for
// CancelPolls polls, then ends with the size unchanged:
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_CancelResize.html
func (c *RedshiftCluster) cancelResize() bool {
	if c.resizeStatus != "IN_PROGRESS" {
		return false
	}
	c.resizeStatus, c.pollsLeft, c.cancelled = "CANCELLING", c.CancelPolls, true
	return true
}

// CancelResize cancels the cluster's running resize as an operator would
// from the console; false when none runs.
func (s *RedshiftServer) CancelResize(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clusters[id].cancelResize()
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

// getClusterCredentials issues a temporary database user and password for
// a provisioned cluster: DbUser is required, DurationSeconds is 900..3600
// (default 900), the returned user is the requested one prefixed "IAM:"
// (or the plain name with AutoCreate and a new user):
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_GetClusterCredentials.html
func (s *RedshiftServer) getClusterCredentials(w http.ResponseWriter, c *RedshiftCluster, form url.Values) {
	user := form.Get("DbUser")
	dur, err := credentialDuration(form.Get("DurationSeconds"))
	switch {
	case user == "":
		redshiftQueryError(w, 400, "InvalidParameterValue", "DbUser is required.")
		return
	case err != nil:
		redshiftQueryError(w, 400, "InvalidParameterValue", err.Error())
		return
	case !slices.Contains(c.DBUsers, user) && form.Get("AutoCreate") != "true":
		// Real Redshift issues the credentials and refuses the login; the
		// fake refuses at once so that tests see the difference.
		redshiftQueryError(w, 400, "UnsupportedOperation", "Database user "+user+" does not exist and AutoCreate is false.")
		return
	}
	if !slices.Contains(c.DBUsers, user) {
		c.DBUsers = append(c.DBUsers, user)
	}
	pw := s.issue("IAM:" + user)
	redshiftQueryOK(w, "GetClusterCredentials", fmt.Sprintf("<DbUser>IAM:%s</DbUser><DbPassword>%s</DbPassword><Expiration>%s</Expiration>",
		html.EscapeString(user), pw, time.Now().Add(dur).UTC().Format(time.RFC3339)))
}

// credentialDuration reads DurationSeconds: 900 to 3600, 900 when unset.
func credentialDuration(v string) (time.Duration, error) {
	if v == "" {
		return 900 * time.Second, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 900 || n > 3600 {
		return 0, fmt.Errorf("DurationSeconds must be between 900 and 3600, got %q", v)
	}
	return time.Duration(n) * time.Second, nil
}

// issue makes a password for user and remembers it (Issued).
func (s *RedshiftServer) issue(user string) string {
	s.issued++
	pw := fmt.Sprintf("fakeTmpPw%04d", s.issued)
	s.credentials = append(s.credentials, IssuedCredential{User: user, Password: pw})
	return pw
}

// IssuedCredential is a temporary database login the fake handed out.
type IssuedCredential struct{ User, Password string }

// Issued lists the temporary logins issued so far, oldest first.
func (s *RedshiftServer) Issued() []IssuedCredential {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.credentials)
}

// serverlessInput is the JSON body of the serverless calls the fake knows.
type serverlessInput struct {
	WorkgroupName   string `json:"workgroupName"`
	BaseCapacity    *int   `json:"baseCapacity"`
	DBName          string `json:"dbName"`
	DurationSeconds *int   `json:"durationSeconds"`
}

// serverless answers the JSON 1.1 protocol.
func (s *RedshiftServer) serverless(w http.ResponseWriter, op string, body []byte) {
	var in serverlessInput
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
		if wg.status == "MODIFYING" && wg.FlakyPolls > 0 {
			wg.FlakyPolls--
			serverlessError(w, 500, "InternalServerException", "The request processing has failed because of an unknown error.")
			return
		}
		wg.advance()
	case "UpdateWorkgroup":
		if !updateWorkgroup(w, wg, in) {
			return
		}
	case "GetCredentials":
		s.getCredentials(w, wg, in)
		return
	default:
		serverlessError(w, 400, "UnknownOperationException", "The fake does not know "+op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"workgroup": map[string]any{
		"workgroupName": wg.Name, "baseCapacity": wg.RPU, "status": wg.status,
	}})
}

// advance moves a capacity change one GetWorkgroup poll closer to its end.
func (wg *RedshiftWorkgroup) advance() {
	if wg.status == "MODIFYING" && wg.pollsLeft >= 0 {
		if wg.pollsLeft == 0 {
			wg.status, wg.RPU = "AVAILABLE", wg.target
		} else {
			wg.pollsLeft--
		}
	}
}

// validRPU is the base capacity rule: 4 RPUs, or 8 to 512 in steps of 8,
// or (where the region offers it) 512 to 1024 in steps of 32:
// https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html
func (wg *RedshiftWorkgroup) validRPU(n int) bool {
	maxRPU := wg.MaxRPU
	if maxRPU == 0 {
		maxRPU = 512
	}
	switch {
	case n == 4:
		return true
	case n >= 8 && n <= 512:
		return n%8 == 0
	default:
		return n > 512 && n <= maxRPU && n%32 == 0
	}
}

// updateWorkgroup changes the base capacity (one setting per call):
// https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_UpdateWorkgroup.html
func updateWorkgroup(w http.ResponseWriter, wg *RedshiftWorkgroup, in serverlessInput) bool {
	switch {
	case in.BaseCapacity == nil:
		serverlessError(w, 400, "ValidationException", "nothing to update")
		return false
	case !wg.validRPU(*in.BaseCapacity):
		serverlessError(w, 400, "ValidationException", fmt.Sprintf("Base capacity %d is not valid: use 4, 8 to 512 in units of 8, or 512 to 1024 in units of 32 where available.", *in.BaseCapacity))
		return false
	case wg.status != "AVAILABLE":
		serverlessError(w, 400, "ConflictException", "The workgroup is being modified.")
		return false
	}
	wg.status, wg.target, wg.pollsLeft = "MODIFYING", *in.BaseCapacity, wg.UpdatePolls
	return true
}

// getCredentials issues a temporary login for the caller's IAM identity
// (the fake's is role lakectl: "IAMR:lakectl"); durationSeconds is 900 to
// 3600:
// https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetCredentials.html
func (s *RedshiftServer) getCredentials(w http.ResponseWriter, wg *RedshiftWorkgroup, in serverlessInput) {
	d := ""
	if in.DurationSeconds != nil {
		d = strconv.Itoa(*in.DurationSeconds)
	}
	dur, err := credentialDuration(d)
	if err != nil {
		serverlessError(w, 400, "ValidationException", err.Error())
		return
	}
	user := wg.DBUser
	if user == "" {
		user = "IAMR:lakectl"
	}
	pw := s.issue(user)
	now := time.Now()
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"dbUser": user, "dbPassword": pw,
		"expiration": now.Add(dur).Unix(), "nextRefreshTime": now.Add(dur / 2).Unix()})
}

func serverlessError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// GlueServer is a stand-in for the AWS Glue Data Catalog control plane:
// databases, tables and partitions, over the JSON 1.1 protocol the SDK
// speaks (POST /, X-Amz-Target: AWSGlue.<Operation>,
// Content-Type: application/x-amz-json-1.1; see
// https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api.html). It serves
// the calls catalog publishing makes: GetDatabase, CreateDatabase,
// GetTable, CreateTable, UpdateTable, GetPartitions and
// BatchCreatePartition. Tables and partitions are kept as the JSON the
// client sent, so what a test reads back is what the client wrote.
type GlueServer struct {
	URL string

	mu     sync.Mutex
	dbs    map[string]map[string]any            // database name -> Database
	tables map[string]map[string]map[string]any // database -> table -> Table
	parts  map[string][]map[string]any          // "db.table" -> partitions
	faults map[string][]string                  // operation -> error codes to answer, in order
	calls  []string
	// GluePageSize is how many partitions one GetPartitions page holds
	// (0: 1000, Glue's maximum MaxResults).
	GluePageSize int
}

// StartGlue starts a fake Glue; it stops when the test ends.
func StartGlue(t testing.TB) *GlueServer {
	s := &GlueServer{dbs: map[string]map[string]any{}, tables: map[string]map[string]map[string]any{},
		parts: map[string][]map[string]any{}, faults: map[string][]string{}}
	s.URL = serve(t, s.serve)
	return s
}

// GlueEnv points the AWS SDK of this process at the fake through
// AWS_ENDPOINT_URL_GLUE, with dummy credentials, for the rest of the test.
func (s *GlueServer) GlueEnv(t testing.TB) {
	setEnv(t, s.URL, "eu-west-1", "AWS_ENDPOINT_URL_GLUE")
}

// GlueFail makes the next calls of op answer the error codes given, one
// call each, in order: ThrottlingException (retried by the SDK),
// AccessDeniedException, EntityNotFoundException, InternalServiceException.
// AlreadyExistsException on CreateDatabase or CreateTable plays a lost
// race: the entity is created (as by another writer) and the call fails.
// See https://docs.aws.amazon.com/glue/latest/webapi/CommonErrors.html and
// each operation's Errors section.
func (s *GlueServer) GlueFail(op string, codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], codes...)
}

// GlueCalls returns the operations served so far, in order.
func (s *GlueServer) GlueCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// GlueTable returns a table as stored (nil when missing).
func (s *GlueServer) GlueTable(db, name string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tables[db][strings.ToLower(name)]
}

// GluePartitionValues returns the values of a table's partitions, sorted.
func (s *GlueServer) GluePartitionValues(db, table string) [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, p := range s.parts[db+"."+strings.ToLower(table)] {
		out = append(out, gluePartValues(p))
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], "/") < strings.Join(out[j], "/") })
	return out
}

// glueError is a JSON 1.1 error: HTTP 400 with the code in __type (the
// SDK also reads X-Amzn-ErrorType).
type glueError struct {
	code, msg string
}

func (s *GlueServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSGlue.")
	body, err := io.ReadAll(r.Body)
	if !ok || err != nil || r.Method != http.MethodPost {
		writeGlueError(w, &glueError{"UnknownOperationException", "not a Glue JSON 1.1 request"})
		return
	}
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		writeGlueError(w, &glueError{"SerializationException", err.Error()})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, op)
	if codes := s.faults[op]; len(codes) > 0 {
		s.faults[op] = codes[1:]
		if codes[0] == "AlreadyExistsException" {
			_, _ = s.handle(op, in) // the other writer's create
		}
		writeGlueError(w, &glueError{codes[0], "injected by the test"})
		return
	}
	out, gerr := s.handle(op, in)
	if gerr != nil {
		writeGlueError(w, gerr)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

func writeGlueError(w http.ResponseWriter, e *glueError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	status := http.StatusBadRequest
	if e.code == "InternalServiceException" {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "Message": e.msg})
}

func (s *GlueServer) handle(op string, in map[string]any) (any, *glueError) {
	switch op {
	case "GetDatabase":
		return s.getDatabase(in)
	case "CreateDatabase":
		return s.createDatabase(in)
	case "GetTable":
		return s.getTable(in)
	case "CreateTable":
		return s.createTable(in)
	case "UpdateTable":
		return s.updateTable(in)
	case "GetPartitions":
		return s.getPartitions(in)
	case "BatchCreatePartition":
		return s.batchCreatePartition(in)
	}
	return nil, &glueError{"UnknownOperationException", "the fake does not serve " + op}
}

func glueStr(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

func glueObj(m map[string]any, k string) map[string]any {
	v, _ := m[k].(map[string]any)
	return v
}

func glueNotFound(what string) *glueError {
	return &glueError{"EntityNotFoundException", what + " not found"}
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_GetDatabase.html:
// EntityNotFoundException when the database does not exist.
func (s *GlueServer) getDatabase(in map[string]any) (any, *glueError) {
	db, ok := s.dbs[glueStr(in, "Name")]
	if !ok {
		return nil, glueNotFound("Database " + glueStr(in, "Name"))
	}
	return map[string]any{"Database": db}, nil
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_CreateDatabase.html:
// AlreadyExistsException when it exists.
func (s *GlueServer) createDatabase(in map[string]any) (any, *glueError) {
	di := glueObj(in, "DatabaseInput")
	name := strings.ToLower(glueStr(di, "Name"))
	if name == "" {
		return nil, &glueError{"InvalidInputException", "DatabaseInput.Name is required"}
	}
	if _, ok := s.dbs[name]; ok {
		return nil, &glueError{"AlreadyExistsException", "Database already exists."}
	}
	di["Name"] = name
	s.dbs[name] = di
	s.tables[name] = map[string]map[string]any{}
	return map[string]any{}, nil
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_GetTable.html:
// EntityNotFoundException for a missing database or table.
func (s *GlueServer) getTable(in map[string]any) (any, *glueError) {
	tables, ok := s.tables[glueStr(in, "DatabaseName")]
	if !ok {
		return nil, glueNotFound("Database " + glueStr(in, "DatabaseName"))
	}
	t, ok := tables[strings.ToLower(glueStr(in, "Name"))]
	if !ok {
		return nil, glueNotFound("Table " + glueStr(in, "Name"))
	}
	return map[string]any{"Table": t}, nil
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_CreateTable.html:
// Glue lowercases table names; AlreadyExistsException when the table
// exists, EntityNotFoundException when the database does not.
func (s *GlueServer) createTable(in map[string]any) (any, *glueError) {
	db := glueStr(in, "DatabaseName")
	tables, ok := s.tables[db]
	if !ok {
		return nil, glueNotFound("Database " + db)
	}
	ti := glueObj(in, "TableInput")
	name := strings.ToLower(glueStr(ti, "Name"))
	if _, ok := tables[name]; ok {
		return nil, &glueError{"AlreadyExistsException", "Table already exists."}
	}
	tables[name] = s.stored(db, name, ti, 1)
	return map[string]any{}, nil
}

// stored is a Table as GetTable returns it: the input plus the catalog's
// own fields.
func (s *GlueServer) stored(db, name string, ti map[string]any, version int) map[string]any {
	t := map[string]any{}
	for k, v := range ti {
		t[k] = v
	}
	t["Name"], t["DatabaseName"], t["VersionId"] = name, db, strconv.Itoa(version)
	return t
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateTable.html:
// replaces the table definition; EntityNotFoundException when missing,
// ConcurrentModificationException when VersionId is not the current one.
func (s *GlueServer) updateTable(in map[string]any) (any, *glueError) {
	db := glueStr(in, "DatabaseName")
	ti := glueObj(in, "TableInput")
	name := strings.ToLower(glueStr(ti, "Name"))
	old, ok := s.tables[db][name]
	if !ok {
		return nil, glueNotFound("Table " + name)
	}
	if v := glueStr(in, "VersionId"); v != "" && v != glueStr(old, "VersionId") {
		return nil, &glueError{"ConcurrentModificationException", "Update table failed due to concurrent modifications."}
	}
	n, _ := strconv.Atoi(glueStr(old, "VersionId"))
	s.tables[db][name] = s.stored(db, name, ti, n+1)
	return map[string]any{}, nil
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_GetPartitions.html:
// pages of at most MaxResults (1..1000) with a NextToken.
func (s *GlueServer) getPartitions(in map[string]any) (any, *glueError) {
	db, name := glueStr(in, "DatabaseName"), strings.ToLower(glueStr(in, "TableName"))
	if _, ok := s.tables[db][name]; !ok {
		return nil, glueNotFound("Table " + name)
	}
	all := s.parts[db+"."+name]
	size := s.GluePageSize
	if size <= 0 {
		size = 1000
	}
	if m, ok := in["MaxResults"].(float64); ok && int(m) < size {
		size = int(m)
	}
	start, _ := strconv.Atoi(glueStr(in, "NextToken"))
	end := min(start+size, len(all))
	out := map[string]any{"Partitions": all[start:end]}
	if end < len(all) {
		out["NextToken"] = strconv.Itoa(end)
	}
	return out, nil
}

// https://docs.aws.amazon.com/glue/latest/webapi/API_BatchCreatePartition.html:
// at most 100 partitions a call (else InvalidInputException); a partition
// that exists is reported in Errors as AlreadyExistsException, and the
// others are still created.
func (s *GlueServer) batchCreatePartition(in map[string]any) (any, *glueError) {
	db, name := glueStr(in, "DatabaseName"), strings.ToLower(glueStr(in, "TableName"))
	if _, ok := s.tables[db][name]; !ok {
		return nil, glueNotFound("Table " + name)
	}
	list, _ := in["PartitionInputList"].([]any)
	if len(list) == 0 || len(list) > 100 {
		return nil, &glueError{"InvalidInputException", fmt.Sprintf("PartitionInputList must hold 1 to 100 partitions, not %d", len(list))}
	}
	key := db + "." + name
	have := map[string]bool{}
	for _, p := range s.parts[key] {
		have[strings.Join(gluePartValues(p), "\x00")] = true
	}
	var errs []any
	for _, item := range list {
		p, _ := item.(map[string]any)
		vals := gluePartValues(p)
		if have[strings.Join(vals, "\x00")] {
			errs = append(errs, map[string]any{"PartitionValues": vals,
				"ErrorDetail": map[string]any{"ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists."}})
			continue
		}
		have[strings.Join(vals, "\x00")] = true
		p["DatabaseName"], p["TableName"] = db, name
		s.parts[key] = append(s.parts[key], p)
	}
	return map[string]any{"Errors": errs}, nil
}

func gluePartValues(p map[string]any) []string {
	raw, _ := p["Values"].([]any)
	out := make([]string, len(raw))
	for i, v := range raw {
		out[i], _ = v.(string)
	}
	return out
}

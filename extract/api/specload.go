package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/lakectl/lakectl/extract/records"
	"github.com/lakectl/lakectl/internal/input"
	"github.com/lakectl/lakectl/lake"
)

// maxSpecBytes bounds a spec file; specs are small documents.
const maxSpecBytes = 4 << 20

// LoadSpec reads, strictly decodes and validates one source spec from a
// local path, a file:// URL, or a URL inside the lake (s3://bucket/prefix/...).
// Every problem with the document is a *input.Error naming the file
// and the JSON path ($.endpoints[0].pagination.type).
func LoadSpec(ctx context.Context, store lake.Store, pathOrURL string) (*Spec, error) {
	b, err := readSpecFile(ctx, store, pathOrURL)
	if err != nil {
		return nil, err
	}
	return ParseSpec(pathOrURL, b)
}

// ParseSpec decodes and validates a spec document; file names it in errors.
func ParseSpec(file string, b []byte) (*Spec, error) {
	var generic any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, input.Errorf("source spec %s: %s", file, jsonSyntaxMessage(b, err))
	}
	if dec.More() {
		return nil, input.Errorf("source spec %s: more than one JSON document", file)
	}
	if err := checkShape(generic, reflect.TypeFor[Spec](), "$"); err != nil {
		return nil, input.Errorf("source spec %s: %v", file, err)
	}
	var s Spec
	if err := json.Unmarshal(b, &s); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, input.Errorf("source spec %s: at $.%s: want %s, got JSON %s", file, te.Field, te.Type, te.Value)
		}
		return nil, input.Errorf("source spec %s: %v", file, err)
	}
	s.file = file
	if err := s.validate(); err != nil {
		return nil, input.Errorf("source spec %s: %v", file, err)
	}
	return &s, nil
}

// checkShape walks a generically decoded document along the Go type and
// reports the first unknown key or wrong JSON kind with its path.
func checkShape(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil
	}
	if t == reflect.TypeFor[Duration]() {
		return checkDuration(v, path)
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkStruct(v, t, path)
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("at %s: want an array, got %s", path, records.Kind(v))
		}
		for i, e := range arr {
			if err := checkShape(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("at %s: want an object, got %s", path, records.Kind(v))
		}
		for k, e := range obj {
			if err := checkShape(e, t.Elem(), path+"."+k); err != nil {
				return err
			}
		}
	default:
		return checkScalar(v, t.Kind(), path)
	}
	return nil
}

func checkDuration(v any, path string) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("at %s: want a duration string such as \"30s\" or \"7d\"", path)
	}
	if _, err := ParseDuration(s); err != nil {
		return fmt.Errorf("at %s: %v", path, err)
	}
	return nil
}

// checkStruct checks an object's keys, in sorted order, against the
// struct's JSON fields.
func checkStruct(v any, t reflect.Type, path string) error {
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("at %s: want an object, got %s", path, records.Kind(v))
	}
	fields := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f
		}
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		f, ok := fields[k]
		if !ok {
			return fmt.Errorf("at %s: unknown field %q (known: %s)", path+"."+k, k, knownFields(fields))
		}
		if err := checkShape(obj[k], f.Type, path+"."+k); err != nil {
			return err
		}
	}
	return nil
}

func checkScalar(v any, kind reflect.Kind, path string) error {
	switch kind {
	case reflect.String:
		if _, ok := v.(string); !ok {
			return fmt.Errorf("at %s: want a string, got %s", path, records.Kind(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("at %s: want true or false, got %s", path, records.Kind(v))
		}
	case reflect.Int, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("at %s: want an integer, got %s", path, records.Kind(v))
		}
		if _, err := n.Int64(); err != nil {
			return fmt.Errorf("at %s: want an integer, got %s", path, n)
		}
	case reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			return fmt.Errorf("at %s: want a number, got %s", path, records.Kind(v))
		}
	}
	return nil
}

func knownFields(m map[string]reflect.StructField) string {
	return strings.Join(slices.Sorted(maps.Keys(m)), ", ")
}

// jsonSyntaxMessage turns a decoder error into "line L, column C: ...".
func jsonSyntaxMessage(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(b, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "invalid JSON: the document is empty or truncated"
	}
	return "invalid JSON: " + err.Error()
}

func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// readSpecFile reads a local file or an object inside the lake.
func readSpecFile(ctx context.Context, store lake.Store, pathOrURL string) ([]byte, error) {
	if key, ok := lakeKey(store, pathOrURL); ok {
		rc, err := store.Get(ctx, key)
		if err != nil {
			if errors.Is(err, lake.ErrNotExist) {
				return nil, input.Errorf("source spec %s does not exist", pathOrURL)
			}
			return nil, fmt.Errorf("read source spec %s: %w", pathOrURL, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxSpecBytes+1))
		if err != nil {
			return nil, fmt.Errorf("read source spec %s: %w", pathOrURL, err)
		}
		if len(b) > maxSpecBytes {
			return nil, input.Errorf("source spec %s is larger than %d bytes", pathOrURL, maxSpecBytes)
		}
		return b, nil
	}
	if strings.Contains(pathOrURL, "://") && !strings.HasPrefix(pathOrURL, "file://") {
		return nil, input.Errorf("source spec %s is neither a local file nor inside the lake (%s)", pathOrURL, store.URL(""))
	}
	p := strings.TrimPrefix(pathOrURL, "file://")
	st, err := os.Stat(p)
	if err != nil {
		return nil, input.Errorf("source spec %s: %v", pathOrURL, errors.Unwrap(err))
	}
	if st.Size() > maxSpecBytes {
		return nil, input.Errorf("source spec %s is larger than %d bytes", pathOrURL, maxSpecBytes)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, input.Errorf("read source spec %s: %v", pathOrURL, err)
	}
	return b, nil
}

// lakeRoot is the store's URL of the empty key, with a trailing slash.
func lakeRoot(store lake.Store) string {
	u := store.URL("x")
	return strings.TrimSuffix(u, "x")
}

// lakeKey maps an s3:// URL inside the lake to its key.
func lakeKey(store lake.Store, u string) (string, bool) {
	if !strings.HasPrefix(u, "s3://") {
		return "", false
	}
	root := lakeRoot(store)
	if !strings.HasPrefix(u, root) {
		return "", false
	}
	return strings.TrimPrefix(u, root), true
}

// specFiles lists the *.json specs of a local folder or a lake prefix, sorted.
func specFiles(ctx context.Context, store lake.Store, dir string) ([]string, error) {
	if strings.HasPrefix(dir, "s3://") {
		prefix, ok := lakeKey(store, strings.TrimSuffix(dir, "/")+"/")
		if !ok {
			return nil, input.Errorf("sources folder %s is not inside the lake (%s)", dir, lakeRoot(store))
		}
		var out []string
		err := store.List(ctx, prefix, func(o lake.ObjectInfo) error {
			rest := strings.TrimPrefix(o.Key, prefix)
			if strings.HasSuffix(rest, ".json") && !strings.Contains(rest, "/") {
				out = append(out, lakeRoot(store)+o.Key)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list sources folder %s: %w", dir, err)
		}
		return out, nil
	}
	d := strings.TrimPrefix(dir, "file://")
	ents, err := os.ReadDir(d)
	if err != nil {
		return nil, input.Errorf("sources folder %s: %v", dir, errors.Unwrap(err))
	}
	var out []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, filepath.Join(d, e.Name()))
		}
	}
	return out, nil
}

// Package testenv gives tests the real services they run against:
// MariaDB/MySQL, PostgreSQL and an S3 server (MinIO). scripts/testenv.sh
// starts them and exports their addresses; the defaults below match it.
//
// A missing service skips the test on a developer's machine and fails it
// when CI=true: CI never passes by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/go-sql-driver/mysql" // the MySQL driver under test
)

// Env var names and their defaults.
const (
	envMySQL     = "LAKECTL_TEST_MYSQL"     // go-sql-driver DSN of the server, no database
	envPostgres  = "LAKECTL_TEST_POSTGRES"  // postgres URL of an admin database
	envS3        = "LAKECTL_TEST_S3"        // S3 endpoint URL
	envS3Access  = "LAKECTL_TEST_S3_ACCESS" // access key
	envS3Secret  = "LAKECTL_TEST_S3_SECRET" // secret key
	defMySQL     = "root@tcp(127.0.0.1:3306)/"
	defPostgres  = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defS3        = "http://127.0.0.1:9000"
	defS3Access  = "minioadmin"
	defS3Secret  = "minioadmin"
	defS3Region  = "us-east-1"
	serviceWaitS = 3
)

// InCI reports whether missing services must fail tests.
func InCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

// Unavailable skips (locally) or fails (in CI) a test whose service is missing.
func Unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is not available (CI=true, so this is a failure, not a skip): %v; run scripts/testenv.sh", service, err)
	}
	t.Skipf("%s is not available: %v; run scripts/testenv.sh", service, err)
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Name returns a short random lowercase name with prefix, for databases,
// buckets and tables that tests create.
func Name(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// MySQLDB is a fresh database on the test MySQL/MariaDB server.
type MySQLDB struct {
	Name      string  // database name
	URL       string  // mysql://root@127.0.0.1:3306/<name>, as lakectl takes it
	DriverDSN string  // go-sql-driver form with parseTime, for the test's own SQL
	DB        *sql.DB // open admin handle on the database, closed at cleanup
}

// MySQL creates a database for the test and drops it when the test ends.
func MySQL(t testing.TB) MySQLDB {
	t.Helper()
	base := getenv(envMySQL, defMySQL)
	admin, err := sql.Open("mysql", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), serviceWaitS*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		Unavailable(t, "MySQL/MariaDB at "+base, err)
	}
	name := Name("lt_")
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	_ = admin.Close()
	driverDSN := strings.TrimSuffix(base, "/") + "/" + name + "?parseTime=true&multiStatements=true&charset=utf8mb4"
	db, err := sql.Open("mysql", driverDSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
		_ = db.Close()
	})
	return MySQLDB{Name: name, URL: mysqlURL(base, name), DriverDSN: driverDSN, DB: db}
}

// mysqlURL turns "user:pw@tcp(host:port)/" into mysql://user:pw@host:port/db.
func mysqlURL(driverDSN, db string) string {
	userinfo, rest, ok := strings.Cut(driverDSN, "@tcp(")
	if !ok {
		return "mysql://root@127.0.0.1:3306/" + db
	}
	hostport, _, _ := strings.Cut(rest, ")")
	return "mysql://" + userinfo + "@" + hostport + "/" + db
}

// Postgres creates a database for the test and drops it when the test
// ends. It returns its postgres:// URL.
func Postgres(t testing.TB) string {
	t.Helper()
	return createPostgresDB(t, getenv(envPostgres, defPostgres), "PostgreSQL")
}

// S3Env is a fresh bucket on the test S3 server.
type S3Env struct {
	Endpoint  string // http://127.0.0.1:9000
	AccessKey string
	SecretKey string
	Region    string
	Bucket    string
	Client    *s3.Client // path-style client for the test's own checks
}

// URL returns s3://bucket/prefix.
func (e S3Env) URL(prefix string) string {
	return "s3://" + e.Bucket + "/" + strings.TrimPrefix(prefix, "/")
}

// SetAWSEnv points the AWS SDK's standard variables at the test server for
// the rest of the test (t.Setenv), as a user would.
func (e S3Env) SetAWSEnv(t testing.TB) {
	t.Setenv("AWS_ACCESS_KEY_ID", e.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", e.SecretKey)
	t.Setenv("AWS_REGION", e.Region)
	t.Setenv("AWS_ENDPOINT_URL_S3", e.Endpoint)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// S3 creates a bucket for the test on the S3 server and removes it (and
// its objects) when the test ends.
func S3(t testing.TB) S3Env {
	t.Helper()
	env := S3Env{
		Endpoint:  getenv(envS3, defS3),
		AccessKey: getenv(envS3Access, defS3Access),
		SecretKey: getenv(envS3Secret, defS3Secret),
		Region:    defS3Region,
	}
	u, err := url.Parse(env.Endpoint)
	if err != nil {
		t.Fatalf("%s: %v", envS3, err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, serviceWaitS*time.Second); err != nil {
		Unavailable(t, "S3 (MinIO) at "+env.Endpoint, err)
	} else {
		_ = c.Close()
	}
	env.Client = s3.New(s3.Options{
		Region:       env.Region,
		BaseEndpoint: aws.String(env.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(env.AccessKey, env.SecretKey, ""),
	})
	env.Bucket = Name("lt-")
	ctx := context.Background()
	if _, err := env.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(env.Bucket)}); err != nil {
		Unavailable(t, "S3 (MinIO) at "+env.Endpoint, fmt.Errorf("create bucket: %w", err))
	}
	t.Cleanup(func() { emptyAndDelete(env) })
	return env
}

func emptyAndDelete(env S3Env) {
	ctx := context.Background()
	p := s3.NewListObjectsV2Paginator(env.Client, &s3.ListObjectsV2Input{Bucket: aws.String(env.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return
		}
		for _, o := range page.Contents {
			_, _ = env.Client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(env.Bucket), Key: o.Key})
		}
	}
	_, _ = env.Client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(env.Bucket)})
}

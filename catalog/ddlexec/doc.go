// Package ddlexec holds only tests: it runs the catalog's PostgreSQL and
// DuckDB DDL against the real engines and loads the lake's rows into the
// tables it creates. It lives apart from package catalog so that catalog's
// own tests do not link DuckDB.
package ddlexec

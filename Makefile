# lakectl: build, test and benchmark.
#   make build   - bin/lakectl
#   make test    - gofmt check, go vet, staticcheck, all tests with -race against
#                  MariaDB, PostgreSQL and MinIO (started by scripts/testenv.sh)
#   make bench   - the local-versus-MinIO matrix at the issue's sizes: extract mysql,
#                  API extract, compaction (lakectl's and DuckDB's files, next to
#                  DuckDB), catalog crawl, warehouse load; sizes from LAKECTL_BENCH_*
#                  (see bench/, lake/compact/bench_test.go)
#   make bench-all - every benchmark, each printing lakectl's figures next to its reference
#   make generate - regenerate man/ and completions/ from the command tree

SHELL       := /bin/bash
GO          ?= go
CACHE       ?= $(or $(LAKECTL_CACHE),$(HOME)/.cache/lakectl)
STATICCHECK := $(CACHE)/bin/staticcheck
STATICCHECK_VERSION := v0.8.2
COMMIT      := $(shell git rev-parse HEAD 2>/dev/null)
COMMIT_DATE := $(shell git log -1 --format=%cI 2>/dev/null)
LDFLAGS     := -X github.com/lakectl/lakectl/cmd.Commit=$(COMMIT) -X github.com/lakectl/lakectl/cmd.CommitDate=$(COMMIT_DATE)
TEST_TIMEOUT ?= 60m

.PHONY: build test fmt-check vet staticcheck unit bench bench-all bench-matrix generate install

build:
	$(GO) build -buildvcs=true -ldflags "$(LDFLAGS)" -o bin/lakectl ./cmd/lakectl

install:
	$(GO) install -buildvcs=true -ldflags "$(LDFLAGS)" ./cmd/lakectl

# The services testenv.sh started are stopped when the tests end, pass or fail.
test: fmt-check vet staticcheck
	@eval "$$(scripts/testenv.sh)" && \
	  { $(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) ./...; rc=$$?; scripts/testenv.sh stop; exit $$rc; }

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(CACHE)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

# Benchmarks are sized by environment variables (see README); the defaults
# are the figures the issues ask for.
# The issue's sizes for the matrix (go test alone runs small defaults).
BENCH_SIZES := LAKECTL_BENCH_FILES=2000 LAKECTL_BENCH_DUCK_FILES=2000 LAKECTL_BENCH_MATRIX_FILES=2000 \
	LAKECTL_BENCH_MATRIX_MYSQL_ROWS=2000000 LAKECTL_BENCH_MATRIX_API_PAGES=2000

bench:
	@eval "$$(scripts/testenv.sh)" && \
	  { $(BENCH_SIZES) $(GO) test -run '^$$' -p 1 -bench 'ExtractMatrix|CompactMatrix|LakeMatrix' -benchtime 1x -timeout 120m ./bench/ ./lake/compact/; rc=$$?; scripts/testenv.sh stop; exit $$rc; }

# The matrix's old name.
bench-matrix: bench

bench-all:
	@eval "$$(scripts/testenv.sh)" && \
	  { $(BENCH_SIZES) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 120m ./...; rc=$$?; scripts/testenv.sh stop; exit $$rc; }

generate:
	$(GO) generate ./...

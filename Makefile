# kgkit: every command a contributor or CI needs. `npm ci` is the only install step.
.DEFAULT_GOAL := help
.PHONY: help gen gen-check lint format build serve print-serve-flags mock test events license-key usage docs fuzz bench

# The binaries npm ci installed, called directly: npx would not pass SIGTERM on to the server.
BIN := node_modules/.bin

# Extra flags for vitest, e.g. `make test VITEST_FLAGS=--reporter=verbose` (.ci/run adds a JSON report).
VITEST_FLAGS ?=

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-10s %s\n", $$1, $$2}'

gen: ## Write generated/<family>/ from openapi/<family>/
	$(BIN)/tsx scripts/gen.ts

gen-check: ## Fail when generated/ differs from what `make gen` would write
	$(BIN)/tsx scripts/gen.ts --check

lint: ## Formatting and lint of the code (Biome), the contracts (redocly), type-check, the rules across contract files, the layers
	$(BIN)/biome ci --colors=off .
	$(BIN)/redocly lint
	$(BIN)/tsc --noEmit
	$(BIN)/tsx scripts/lint.ts
	$(BIN)/tsx scripts/layers.ts

format: ## Format the code and apply Biome's safe fixes (what `make lint` checks)
	$(BIN)/biome check --write .

build: ## Compile src/ and generated/ to JavaScript in dist/, what `make serve` runs (scripts/build.ts)
	$(BIN)/tsx scripts/build.ts
	@touch dist/.built

# Rebuilt only when something it is made from changed. The folders are listed too: removing or renaming a file
# changes its folder's date, and the build then drops the file's old output.
dist/.built: $(shell find src generated) scripts/build.ts tsconfig.json
	$(BIN)/tsx scripts/build.ts
	@touch $@

# How the server runs, here and in `make bench`. A young generation of at most 4 MiB a semi-space instead of node's
# 16: load otherwise grows it to its largest and the pages stay resident, ~15-20 MiB after a load run, ~6 MiB idle
# (README "Performance"). 2 MiB saves ~4 MiB idle for more scavenges, 1 MiB ~5 MiB for ~10% more CPU a call.
SERVE_FLAGS := --enable-source-maps --max-semi-space-size=4

# node itself, one process (no tsx launcher in front), so SIGTERM from make or a supervisor reaches the server.
serve: docs/reference/index.html dist/.built ## Run the production-interface server, compiled (configured by environment; see README)
	node $(SERVE_FLAGS) dist/src/index.js

# For bench/: the flags `make serve` runs node with.
print-serve-flags:
	@echo $(SERVE_FLAGS)

docs: ## Build the static API reference of every contract into docs/reference/ (the server serves it at /docs)
	$(BIN)/tsx scripts/docs.ts

# Rebuilt only when a contract changed since the last build.
docs/reference/index.html: $(wildcard generated/*/openapi.json)
	$(BIN)/tsx scripts/docs.ts

mock: ## Serve the contracts with Prism on consecutive ports (FAMILY=saas-v2[,…] for some, MOCK_PORT=4010 the first port; README "The mock")
	$(BIN)/tsx scripts/mock.ts $(if $(FAMILY),--family $(FAMILY)) $(if $(MOCK_PORT),--port $(MOCK_PORT))

test: ## Run every test (PostgreSQL too when DATABASE_URL=postgres://…)
	$(BIN)/vitest run $(VITEST_FLAGS)

fuzz: ## Fuzz every family from its contract, long (FUZZ_RUNS, FUZZ_SECONDS, FUZZ_SEED to replay; see scripts/fuzz.ts)
	$(BIN)/tsx scripts/fuzz.ts

bench: ## Load-test the server against a bare Hono endpoint and the Prism mock, SQLite and PostgreSQL (BENCH_SECONDS=5; see bench/run.ts)
	$(BIN)/tsx bench/run.ts

events: ## Print the audit trail of marketplace calls, newest first (INSTANCE=<id>, ORDER=<orderId>, LIMIT=<n>)
	bin/kgkit events $(if $(INSTANCE),--instance $(INSTANCE)) $(if $(ORDER),--order $(ORDER)) $(if $(LIMIT),--limit $(LIMIT))

license-key: ## Print the public key (PEM) that verifies the Licenses kgkit issues, for your software
	bin/kgkit license-key

usage: ## Print the usage records and their delivery to the marketplace (STATE=pending|sent|rejected|expired, INSTANCE=<id>)
	bin/kgkit usage status $(if $(STATE),--state $(STATE)) $(if $(INSTANCE),--instance $(INSTANCE))

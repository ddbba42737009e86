# embodied — make help lists the targets.
SHELL := /bin/bash
GO ?= go
BIN := bin/embodied
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
WITH_DB := scripts/with-db.sh

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

.PHONY: build
build: ## build bin/embodied
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/embodied

.PHONY: run
run: build ## run the bot; without DISCORD_TOKEN the sandbox (throwaway database when DATABASE_URL is unset)
	@$(WITH_DB) bash -c '$(BIN) migrate up && exec $(BIN) run'

.PHONY: test
test: ## run every test against a real PostgreSQL (throwaway cluster when DATABASE_URL is unset)
	@$(WITH_DB) $(GO) test -race -count=1 -timeout 20m ./...

.PHONY: smoke
smoke: build ## run the rollout guide's smoke tests against the sandbox (throwaway database when DATABASE_URL is unset)
	@$(WITH_DB) bash -c '$(BIN) migrate up && exec $(BIN) smoke'

.PHONY: lint
lint: ## gofmt check, go vet, staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

.PHONY: migrate
migrate: build ## apply pending migrations (MIGRATION_DATABASE_URL, DATABASE_URL or DB_*)
	$(BIN) migrate up

.PHONY: bench
bench: ## run the benchmarks and print one BENCH summary line per figure
	@$(WITH_DB) bash -c 'set -o pipefail; $(GO) test -run "^$$" -bench . -benchmem -count=1 -timeout 30m ./... | tee /dev/stderr | $(GO) run ./cmd/benchsum'

.PHONY: clean
clean: ## remove build output and throwaway clusters
	rm -rf bin .data

.PHONY: drills
drills: ## run the load, outage and restart drills in their long forms (EMBODIED_DRILL_LONG=1), minutes each
	@$(WITH_DB) env EMBODIED_DRILL_LONG=1 $(GO) test -race -count=1 -timeout 60m -run 'Drill' -v ./...

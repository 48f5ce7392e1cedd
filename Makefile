# mockauth — fake vendor authentication APIs. `make help` lists the targets.

GO       ?= go
BIN      ?= bin/mockauth
PKGS     ?= ./...
# Independent packages run in parallel (-p); the race detector is always on.
TESTFLAGS ?= -race -count=1 -timeout 8m

# Fuzz targets as Name:package; `make test` runs each briefly, `make fuzz` longer.
FUZZ_TARGETS = FuzzRequest:./simulators/ucontact FuzzParseFixtures:./simulators/ucontact \
	FuzzLogin:./simulators/crmcom FuzzParseFixtures:./simulators/crmcom \
	FuzzAuthenticate:./simulators/autoalert FuzzParseFixtures:./simulators/autoalert \
	FuzzBasicAuth:./simulators/exotel FuzzParseFixtures:./simulators/exotel \
	FuzzLoad:./simulators/scenario FuzzAdminJSON:./simulators
FUZZTIME ?= 2s

.PHONY: help run build test unit fuzz-short fuzz bench soak lint fmt vet tidy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: ## start every simulator and the admin API on the default ports (9300-9304)
	$(GO) run ./cmd/mockauth serve $(ARGS)

build: ## build the binary into bin/mockauth
	$(GO) build -o $(BIN) ./cmd/mockauth

test: unit fuzz-short ## every test with the race detector, then each fuzz target briefly

unit: ## go test -race ./... (the soak runs 3 s here)
	$(GO) test $(TESTFLAGS) $(PKGS)

fuzz-short: ## each fuzz target for FUZZTIME (2s)
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; pkg=$${t#*:}; \
		echo "fuzz $$name $$pkg ($(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

fuzz: ## each fuzz target for 60s
	$(MAKE) fuzz-short FUZZTIME=60s

bench: ## benchmarks per layer, then mockauth serve against a bare handler under vegeta load
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./internal/loadcmp -duration 5s -requests 1000000

soak: ## 60 s of mixed load with scenarios switching (leaks, heap growth, unscripted errors)
	MOCKAUTH_SOAK=60s $(GO) test -race -count=1 -timeout 10m -run '^TestSoak$$' -v ./simulators/

lint: fmt vet ## check formatting and vet

fmt: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet every package
	$(GO) vet $(PKGS)

tidy: ## tidy go.mod and go.sum
	$(GO) mod tidy

clean: ## remove build output
	rm -rf bin .mockauth-tls

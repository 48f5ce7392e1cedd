# mockauth — fake vendor authentication APIs. `make help` lists the targets.

GO       ?= go
BIN      ?= bin/mockauth
PKGS     ?= ./...
# Independent packages run in parallel (-p); the race detector is always on.
TESTFLAGS ?= -race -count=1 -timeout 8m

.PHONY: help run build test bench lint fmt vet tidy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: ## start every simulator and the admin API on the default ports (9300-9304)
	$(GO) run ./cmd/mockauth serve $(ARGS)

build: ## build the binary into bin/mockauth
	$(GO) build -o $(BIN) ./cmd/mockauth

test: ## run every test with the race detector
	$(GO) test $(TESTFLAGS) $(PKGS)

bench: ## run the benchmarks with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

lint: fmt vet ## check formatting and vet

fmt: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet every package
	$(GO) vet $(PKGS)

tidy: ## tidy go.mod and go.sum
	$(GO) mod tidy

clean: ## remove build output
	rm -rf bin .mockauth-tls

# mockauth — fake vendor authentication APIs. `make help` lists the targets.

GO       ?= go
BIN      ?= bin/mockauth
PREFIX   ?= /usr/local
PKGS     ?= ./...
# Independent packages run in parallel (-p), and so do the tests that call
# t.Parallel; the Ginkgo suites run their cases concurrently themselves
# (Ginkgo refuses go test's -parallel flag). The race detector is always on.
TESTFLAGS ?= -race -count=1 -timeout 8m
# gotestsum (a tool of go.mod) runs go test and ends with a line that counts
# the tests: "DONE 612 tests, 3 skipped in 61.2s".
GOTESTSUM ?= $(GO) tool gotestsum --format pkgname-and-test-fails --format-hide-empty-pkg

# `make fuzz` finds the fuzz targets itself (go test -list), so a new one
# is never left out. Their seed corpora (f.Add and testdata/fuzz) run as
# ordinary tests in `make test`; time-boxed fuzzing stays out of the gate,
# where a loaded machine made it fail by chance.
FUZZTIME ?= 60s

.PHONY: help run build install test docs-check docs test-repeat fuzz bench soak lint fmt vet tidy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

run: build ## build, then start every simulator and the admin API on the default ports (9300-9304); Ctrl-C stops it
	@scripts/foreground $(BIN) serve $(ARGS)

# The version mockauth --version prints: the tag or commit of this checkout.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)

build: ## build the binary into bin/mockauth (lists packages as it compiles them)
	@echo "building $(BIN) (the first build on a new machine takes a minute or two)"
	$(GO) build -v -ldflags "-X main.stampedVersion=$(VERSION)" -o $(BIN) ./cmd/mockauth

install: build ## put mockauth on your PATH: $(PREFIX)/bin/mockauth (PREFIX=/usr/local; PREFIX=$$HOME/.local for no root)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/mockauth

docs-check: build ## run every shell example of the README and docs/ against a stack on the default ports; check the links
	$(GO) run ./internal/docscheck -bin $(BIN)

docs: ## regenerate the reference pages (docs/reference) from the code
	$(GO) generate ./cmd/mockauth

test: ## every test with the race detector (fuzz seeds included), ending with a count
	$(GOTESTSUM) -- $(TESTFLAGS) $(PKGS)

test-repeat: ## make test N times (default 20) in a fresh clone of HEAD; prints how many passed
	scripts/test-repeat $(or $(N),20)

fuzz: ## each fuzz target (found with go test -list) for FUZZTIME (60s)
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
		for name in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzz $$name $$pkg ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

bench: ## benchmarks per layer, then mockauth serve against a bare handler under wrk (installed here if missing) and vegeta load
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } || echo "bench: could not install wrk (apt-get install wrk): the load comparison uses vegeta only"
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./internal/loadcmp -duration 5s -requests 1000000

soak: ## 60 s of mixed load with scenarios switching (leaks, heap growth, unscripted errors), then the hostile suite at full size
	MOCKAUTH_SOAK=60s $(GO) test -race -count=1 -timeout 10m -run '^TestSoak$$' -v ./simulators/
	MOCKAUTH_SOAK=60s $(GO) test -count=1 -timeout 5m -run '^TestHostile' -v ./simulators/

lint: fmt vet ## check formatting and vet

fmt: ## fail when a file is not gofmt-formatted
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: ## go vet every package
	$(GO) vet $(PKGS)

tidy: ## tidy go.mod and go.sum
	$(GO) mod tidy

clean: ## remove build output
	rm -rf bin .mockauth-tls

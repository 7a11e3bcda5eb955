# cuadre: the two commands of the README, and the checks CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo

.PHONY: help demo dev test lint api-check deploy-check deps-apt deps-npm emulator-up emulator-down fuzz

help:
	@echo "make demo   run cuadre locally and play a merchant's story through its API"
	@echo "make dev    run the local platform (cuadre dev) until Ctrl-C"
	@echo "make test   run every test (starts the AWS emulator itself)"
	@echo "make lint   cargo fmt --check, clippy -D warnings, cfn-lint (also on the SAM-transformed template)"
	@echo "make deploy-check   sam build (arm64), each bootstrap under qemu to its first invocation"
	@echo "make api-check   the running API against openapi.yaml (schemathesis)"
	@echo "make fuzz   every fuzz target for FUZZ_SECONDS (30) each, on nightly (docs/fuzzing.md)"

## Debian packages the tests need (installed only when missing; root on these machines).
deps-apt:
	@bash infra/install-deps

## playwright-core for the buyer page's browser test (no browser download: it drives /usr/bin/chromium).
deps-npm: tests/e2e/browser/node_modules/.package-lock.json

tests/e2e/browser/node_modules/.package-lock.json: tests/e2e/browser/package-lock.json
	@cd tests/e2e/browser && npm ci --no-audit --no-fund --loglevel=error

emulator-up:
	@infra/local-aws up

emulator-down:
	@infra/local-aws down

demo: deps-apt
	@infra/local-aws up -q
	@$(CARGO) run -q -p cuadre -- demo

dev: deps-apt
	@$(CARGO) run -q -p cuadre -- dev

test: deps-apt deps-npm
	@infra/local-aws up >/dev/null
	@status=0; $(CARGO) test --workspace --no-fail-fast || status=$$?; \
	  API_CHECK_KEEP_AWS=1 API_CHECK_SEED=$${API_CHECK_SEED:-20261125} infra/api-check || status=$$?; \
	  infra/local-aws down >/dev/null 2>&1; exit $$status

## The HTTP API against its OpenAPI description (schemathesis on a running platform).
api-check:
	@infra/api-check

lint: deps-apt
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	.venv/bin/cfn-lint template.yaml
	infra/template-check

## sam build for arm64, then every bootstrap under qemu-aarch64 with its template environment
## (installs what it needs itself: infra/install-deps deploy).
deploy-check:
	@infra/deploy-check

## Every cargo-fuzz target of fuzz/ (its own workspace, nightly only) for FUZZ_SECONDS each, from its
## committed seeds (fuzz/seeds/<target>, read-only) into fuzz/corpus/<target>; fails when any target
## crashes, times out or runs out of memory (the input is kept in fuzz/artifacts/<target>/).
## FUZZ_TARGETS picks some; FUZZ_ARGS adds libFuzzer flags. See docs/fuzzing.md.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= $(shell sed -n 's/^name = "\(.*\)"$$/\1/p' fuzz/Cargo.toml | grep -v '^cuadre-fuzz$$')
FUZZ_BUILD ?= --sanitizer none --codegen-units 16
FUZZ_ARGS ?=

fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked
	@nice -n 15 $(CARGO) +nightly fuzz build $(FUZZ_BUILD)
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t fuzz/artifacts/$$t; \
	  echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  nice -n 15 $(CARGO) +nightly fuzz run $(FUZZ_BUILD) $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 $(FUZZ_ARGS) 2>&1 | tee fuzz/artifacts/$$t/last-run.log \
	    | grep -E '^(#[0-9]+[[:space:]]+DONE|==[0-9]+== ERROR|SUMMARY|stat::number_of_executed_units|artifact_prefix|Test unit written)' ; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashed:$$failed (inputs in fuzz/artifacts/)"; exit 1; fi; \
	echo "fuzz: every target ran $(FUZZ_SECONDS) s clean"

# Every target installs what it needs (virtualenv, package, Pulumi CLI) on first use.
.PHONY: test demo bench unit lint

test:  ## every test layer: unit, emulator, provider hooks, packaging, end to end with the real Pulumi CLI
	bash scripts/test.sh

unit:  ## the fast layers only (no Pulumi CLI run), with the compatibility tests that need no CLI
	bash scripts/test.sh tests/unit tests/emulator tests/provider \
	  tests/compat/test_provider_paths.py tests/compat/test_old_state.py tests/compat/test_release_fixture.py

lint:  ## ruff and mypy (strict) with the pinned versions; configured in pyproject.toml
	bash scripts/lint.sh

demo:  ## preview, up, outputs, destroy of examples/mtls-tenant against a local emulator
	bash scripts/demo.sh

bench:  ## API calls per operation, engine overhead, throughput under rate limits
	bash scripts/bench.sh

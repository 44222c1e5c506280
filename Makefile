# Every target installs what it needs (virtualenv, package, Pulumi CLI) on first use.
.PHONY: test demo bench unit

test:  ## every test layer: unit, emulator, provider hooks, end to end with the real Pulumi CLI
	bash scripts/test.sh

unit:  ## the fast layers only (no Pulumi CLI run)
	bash scripts/test.sh tests/unit tests/emulator tests/provider

demo:  ## preview, up, outputs, destroy of examples/mtls-tenant against a local emulator
	bash scripts/demo.sh

bench:  ## API calls per operation, engine overhead, throughput under rate limits
	bash scripts/bench.sh

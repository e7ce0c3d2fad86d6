# The README's commands, and the benchmarks (see docs/performance.md).
.PHONY: demo test bench

demo:
	bash tests/lab/demo.sh

test:
	bash tests/run-all.sh

bench:
	bash benchmarks/run.sh

# The README's commands, and the benchmarks (see docs/performance.md).
.PHONY: demo test bench mutation

demo:
	bash tests/lab/demo.sh

test:
	bash tests/run-all.sh

bench:
	bash benchmarks/run.sh

# mutmut over plugins/ (docs/testing.md, "Mutation testing"); FILES=plugins/x.py limits it
mutation:
	bash tests/mutation.sh $(FILES)

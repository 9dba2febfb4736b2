# The two commands of the README:
#   make run    install, then run the main job
#   make test   install, then run the test suite (what CI runs)
.PHONY: run test test-all test-package docs lint bench bench-quick setup

setup:
	@bash scripts/setup.sh

run: setup
	.venv/bin/python -c "from thuisplus.sim import compile_engine; print(f'engine ready in {compile_engine():.0f} s')"
	.venv/bin/thuisplus run

test: setup
	.venv/bin/python -c "from thuisplus.sim import compile_engine; print(f'engine ready in {compile_engine():.0f} s')"
	.venv/bin/python -m pytest -q
	.venv/bin/ruff check .

# The wheel and sdist as a user installs them, in fresh venvs (scripts/check_package.py);
# CI runs it after `make test`.
test-package: setup
	.venv/bin/python scripts/check_package.py

# The documentation site into build/site (mkdocs; the notebook is executed on the way).
docs: setup
	.venv/bin/python scripts/build_docs.py --out build/site

test-all: setup
	.venv/bin/python -m pytest -q -m ""

lint: setup
	.venv/bin/ruff check .
	@echo "(ruff format is not applied in this project: ruff check is the style gate)"

bench: setup
	.venv/bin/python benchmarks/engine.py
	.venv/bin/python benchmarks/draws.py
	.venv/bin/python benchmarks/run.py
	.venv/bin/python benchmarks/dashboard.py
	.venv/bin/python benchmarks/batch.py
	.venv/bin/python benchmarks/psa.py
	.venv/bin/python benchmarks/calibrate.py
	.venv/bin/python benchmarks/package.py

bench-quick: setup
	.venv/bin/python benchmarks/engine.py --repeats 3
	.venv/bin/python benchmarks/run.py
	.venv/bin/python benchmarks/dashboard.py
	.venv/bin/python benchmarks/batch.py --skip memory --sobol-samples 16
	.venv/bin/python benchmarks/psa.py --draws 16

# The two commands of the README: `make run` (the whole local stack) and `make test`.
.PHONY: run test venv system-packages lint

run: venv
	./scripts/run-local

test: system-packages venv
	./scripts/run-tests

venv:
	./scripts/bootstrap-venv

system-packages:
	./scripts/install-system-packages

lint: venv
	.venv/bin/ruff check incline servicekit gateway catalog preprocessor inference training devstack standins bench tests
	.venv/bin/mypy incline servicekit gateway catalog preprocessor inference training devstack standins bench tests

# make lint: the static checks, each with zero findings allowed.
# - clang-format: the tree is formatted (.clang-format); fix with `make format`.
# - cppcheck: warnings, style, performance and portability findings.
# - clang-tidy: the checks chosen in .clang-tidy (each exclusion explained there).
# - scan-build: clang's static analyzer over a full build, in its own directory
#   (-B: every file is analyzed, not only those changed since the last build).
# - pyflakes: the Python tests and lab.
LINT_C_SOURCES := $(wildcard agent/*.c agent/*.h tests/unit/*.c tests/fuzz/*.c tests/fuzz/*.h)
LINT_CFLAGS    := -std=c11 -D_GNU_SOURCE -Iagent $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null)
SCAN_BUILD     := build/scan-build

.PHONY: lint format

lint:
	scripts/install-deps hardening
	@echo "== clang-format"; clang-format --dry-run -Werror $(LINT_C_SOURCES)
	@echo "== cppcheck"; cppcheck --enable=warning,style,performance,portability --std=c11 \
		--quiet --error-exitcode=1 --inline-suppr -D_GNU_SOURCE -Iagent agent tests/unit tests/fuzz
	@echo "== clang-tidy"; clang-tidy --quiet $(wildcard agent/*.c tests/fuzz/*.c) -- $(LINT_CFLAGS) 2>/dev/null
	@echo "== scan-build"; rm -rf $(SCAN_BUILD) && scan-build --status-bugs -o $(SCAN_BUILD)/report \
		$(MAKE) -s -B BUILD=$(SCAN_BUILD) all
	@echo "== pyflakes"; $(PYTHON) -m pyflakes tests scripts/*.py
	@echo "lint: no findings"

format:
	clang-format -i $(LINT_C_SOURCES)

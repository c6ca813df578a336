# make lint: clang-tidy (checks in .clang-tidy) and cppcheck over the
# product's sources, with the include dirs the real build uses: musl's
# headers (instead of glibc's), the kernel uapi links and the deps prefix.
# clang-tidy runs once per file: clang-tidy 14's valist checker reports a
# false "uninitialized va_list" when given several files in one run.
MUSL_INC   ?= /usr/include/$(shell gcc -print-multiarch 2>/dev/null | sed 's/-gnu$$/-musl/')
LINT_FLAGS := -std=gnu11 -D_GNU_SOURCE -DJAILINIT_VERSION='"lint"' \
              -nostdlibinc -isystem $(MUSL_INC) -isystem $(DEPS_PREFIX)/include \
              -isystem $(KINC) -I. -I$(GEN)
LINT_SRCS  ?= $(SRCS)

lint: $(DEPS_STAMP) $(AGENT_BPF_H)
	@rc=0; for f in $(LINT_SRCS); do \
	  echo "clang-tidy $$f"; \
	  out=$$(clang-tidy --quiet $$f -- $(LINT_FLAGS) 2>&1) || rc=1; \
	  printf '%s\n' "$$out" | grep -v -e '^[0-9]* warnings\{0,1\} generated\.$$' -e '^$$' || true; \
	done; \
	echo "cppcheck"; \
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -I. $(LINT_SRCS) || rc=1; \
	if [ $$rc -ne 0 ]; then echo "lint: findings above"; fi; exit $$rc

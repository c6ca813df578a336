# Third-party deps: libseccomp and libcap built with musl-gcc from Debian's
# source packages (pinned below), static only, into $(DEPS_PREFIX); kernel
# uapi headers for musl-gcc through $(KINC), a dir of links to
# /usr/include/{linux,asm-generic,<multiarch>/asm}. Built once, cached by
# $(DEPS_STAMP), under a lock (scripts/deps.sh). Bumping: docs/building.md.
#
# Provides KINC, DEPS_PREFIX, DEPS_STAMP, DEPS_CFLAGS, DEPS_LIBS.

# This file is included before the Makefile's first rule: keep `all` the
# default goal.
.DEFAULT_GOAL := all

# Pins (Debian bookworm source packages; check with `apt-cache showsrc`).
SECCOMP_SRC     := libseccomp
SECCOMP_VERSION := 2.5.4-1+deb12u1
CAP_SRC         := libcap2
CAP_VERSION     := 1:2.66-4+deb12u3

KINC        := $(DEPS_DIR)/kinc
DEPS_PREFIX := $(DEPS_DIR)/prefix
DEPS_STAMP  := $(DEPS_DIR)/.built
DEPS_CFLAGS := -isystem $(DEPS_PREFIX)/include -isystem $(KINC)
DEPS_LIBS   := $(DEPS_PREFIX)/lib/libseccomp.a $(DEPS_PREFIX)/lib/libcap.a

# The stamp holds the versions built and a tag of the flags (scripts/deps.sh:
# same string there): a changed pin or tag rebuilds.
DEPS_WANT := libseccomp=$(SECCOMP_VERSION) libcap2=$(CAP_VERSION) cc=$(CC) cflags=Os-sections-nounwind
ifneq ($(strip $(shell cat $(DEPS_STAMP) 2>/dev/null)),$(DEPS_WANT))
.PHONY: $(DEPS_STAMP)
else ifneq ($(words $(wildcard $(DEPS_LIBS))),2)
.PHONY: $(DEPS_STAMP)
endif

$(DEPS_STAMP):
	SECCOMP_SRC='$(SECCOMP_SRC)' SECCOMP_VERSION='$(SECCOMP_VERSION)' \
	CAP_SRC='$(CAP_SRC)' CAP_VERSION='$(CAP_VERSION)' MUSL_CC='$(CC)' \
	  sh scripts/deps.sh $(DEPS_DIR) $(DEPS_STAMP)

$(DEPS_PREFIX)/lib/libseccomp.a $(DEPS_PREFIX)/lib/libcap.a: $(DEPS_STAMP)

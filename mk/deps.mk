# Third-party deps (placeholder until the deps build lands): libseccomp and
# libcap built with musl-gcc from Debian source packages, kernel uapi
# headers through a dir of links. Provides DEPS_STAMP, DEPS_CFLAGS, DEPS_LIBS,
# KINC.
KINC        := $(DEPS_DIR)/kinc
DEPS_PREFIX := $(DEPS_DIR)/prefix
DEPS_STAMP  := $(DEPS_DIR)/.built
DEPS_CFLAGS := -isystem $(DEPS_PREFIX)/include -isystem $(KINC)
DEPS_LIBS   := $(DEPS_PREFIX)/lib/libseccomp.a $(DEPS_PREFIX)/lib/libcap.a

# make install [PREFIX=/usr/local] [DESTDIR=]: the static binary and the
# man page jailinit(8) (man/jailinit.8; tests/integration/test_manpage.py
# checks that it and --help name the same options and variables).
PREFIX ?= /usr/local
install: all
	install -D -m 0755 $(BUILD)/jailinit $(DESTDIR)$(PREFIX)/bin/jailinit
	install -D -m 0644 man/jailinit.8 $(DESTDIR)$(PREFIX)/share/man/man8/jailinit.8

.PHONY: install

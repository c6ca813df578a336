# make install [PREFIX=/usr/local] [DESTDIR=]: the static binary, the man
# page jailinit(8) (man/jailinit.8; tests/integration/test_manpage.py
# checks that it and --help name the same options and variables), and the
# seccomp profiles (share/jailinit/seccomp: the host's docker run needs one).
PREFIX ?= /usr/local
install: all
	install -D -m 0755 $(BUILD)/jailinit $(DESTDIR)$(PREFIX)/bin/jailinit
	install -D -m 0644 man/jailinit.8 $(DESTDIR)$(PREFIX)/share/man/man8/jailinit.8
	install -d $(DESTDIR)$(PREFIX)/share/jailinit/seccomp
	install -m 0644 docker/seccomp/*.json $(DESTDIR)$(PREFIX)/share/jailinit/seccomp/

.PHONY: install

# make fuzz: the parsers of what a hostile agent sends (the jail's DNS, the
# proxy's request header, the rules), each under libFuzzer with ASan and
# UBSan for FUZZ_SECONDS (part of make test). A crash fails the target and
# leaves its input in $(BUILD)/fuzz/. The corpora stay there between runs.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 15
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-DJAILINIT_VERSION='"fuzz"' -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BASE := base/err.c base/log.c base/fileio.c base/json.c base/utf8.c
FUZZ_dns := $(FUZZ_BASE) egress/dns_msg.c egress/dns_server.c egress/synth.c egress/policy.c egress/rules.c \
	egress/elog.c
FUZZ_http_head := egress/http_head.c
FUZZ_rules := egress/rules.c
FUZZ_tls_sni := egress/tls_sni.c
FUZZ_NAMES := dns http_head rules tls_sni
FUZZ_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard egress/*.c egress/*.h base/*.c base/*.h init/*.c init/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_$*)

fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_NAMES); do \
	  mkdir -p $(BUILD)/fuzz/corpus-$$f; \
	  echo "== fuzz_$$f ($(FUZZ_SECONDS) s)"; \
	  rc=0; (cd $(BUILD)/fuzz && ./fuzz_$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	    -print_final_stats=1 corpus-$$f $(abspath tests/fuzz/seeds)/$$f >fuzz_$$f.log 2>&1) || rc=$$?; \
	  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|==[0-9]+==|SUMMARY)' $(BUILD)/fuzz/fuzz_$$f.log || true; \
	  if [ $$rc -ne 0 ]; then tail -40 $(BUILD)/fuzz/fuzz_$$f.log; \
	    echo "fuzz: fuzz_$$f failed (exit $$rc; the input is in $(BUILD)/fuzz/)"; exit 1; fi; \
	done

.PHONY: fuzz

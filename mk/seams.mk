# A second jailinit for the tests only: jail/jail.c built with
# JAILINIT_TEST_SEAMS, so that JAILINIT_TEST_FAIL_STEP=NAME makes that
# build step fail right after it succeeded (tests/integration/test_steps.py
# walks every step of jail/steps.c). Never installed, never the product.
SEAM_SRCS := jail/jail.c
SEAM_OBJS := $(filter-out $(SEAM_SRCS:%.c=$(BUILD)/obj/%.o),$(OBJS)) $(SEAM_SRCS:%.c=$(BUILD)/seam/%.o)

$(BUILD)/jailinit-seams: $(SEAM_OBJS) $(DEPS_STAMP)
	$(CC) $(LDFLAGS) -o $@ $(SEAM_OBJS) $(DEPS_PREFIX)/lib/libcap.a

$(BUILD)/seam/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPS_CFLAGS) -DJAILINIT_TEST_SEAMS -MMD -MP -c -o $@ $<

-include $(SEAM_SRCS:%.c=$(BUILD)/seam/%.d)

tools: $(BUILD)/jailinit-seams

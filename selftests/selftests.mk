# Selftest programs (selftests/Makefile), built once: the same binaries run
# on every kernel.
selftests: $(KSRC)/.stamp lib
	@$(MAKE) --no-print-directory -C selftests OUTPUT=$(BUILD)/selftests \
		KSFT_INC=$(KSFT_INC) CC=$(CC) LIBMMF_DIR=$(BUILD)/lib

# libmmf (included by the top-level Makefile: TOP, BUILD and CC come from
# it).  Targets:
#   lib         build/lib/libmmf.so.1.0.0 (soname libmmf.so.1), its links,
#               libmmf.a and mmf.pc; the examples (build/examples/)
#   install     PREFIX (default /usr/local) and DESTDIR: library, headers
#               (<mmf.h>, <mmf/win32.h> and the kernel ABI <linux/mmf.h>),
#               pkg-config file, mmfctl, man pages; LIBDIR (default
#               PREFIX/lib; Debian: /usr/lib/<multiarch>), INCLUDEDIR,
#               BINDIR, MANDIR
# CFLAGS, CPPFLAGS and LDFLAGS are the caller's (the Makefile's default
# CFLAGS is -O2 -g); WERROR=0 drops -Werror (package builds).
# The real name libmmf.so.1.0.0 follows the soname's ABI; the release
# version (VERSION, in mmf.pc) is the module's and the packages'.
#   host-check  the host-side tests (no module needed), KTAP

LIB_VERSION := 1.0.0
LIB_SONAME := libmmf.so.1
LIB_DIR := $(BUILD)/lib
LIB_OBJDIR := $(BUILD)/libobj
LIB_SRCS := $(sort $(wildcard $(TOP)/lib/*.c))
LIB_HDRS := $(TOP)/include/mmf.h $(TOP)/include/mmf/win32.h $(wildcard $(TOP)/lib/*.h) \
	$(TOP)/include/uapi/linux/mmf.h $(TOP)/VERSION
# mmf_version() and mmf_version_number(): the release of VERSION.
MMF_VERSION_NUM := $(shell echo $(MMF_VERSION) | awk -F. '{ print $$1 * 10000 + $$2 * 100 + $$3 }')
LIB_CFLAGS := -std=c11 -Wall -Wextra $(WERROR_FLAG) -fvisibility=hidden -fPIC \
	-I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/lib \
	-DMMF_RELEASE='"$(MMF_VERSION)"' -DMMF_RELEASE_NUMBER=$(MMF_VERSION_NUM)u $(CPPFLAGS) $(CFLAGS)
LIB_OBJS := $(patsubst $(TOP)/lib/%.c,$(LIB_OBJDIR)/%.o,$(LIB_SRCS))
LIB_SO := $(LIB_DIR)/libmmf.so.$(LIB_VERSION)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

LIB_FILES := $(LIB_SO) $(LIB_DIR)/libmmf.so $(LIB_DIR)/$(LIB_SONAME) $(LIB_DIR)/libmmf.a \
	$(LIB_DIR)/mmf.pc

lib: $(LIB_FILES) examples

$(LIB_OBJDIR)/%.o: $(TOP)/lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(LIB_SO): $(LIB_OBJS) $(TOP)/lib/libmmf.map
	@mkdir -p $(@D)
	@$(TOP)/lib/check-exports.sh $(TOP)/lib/libmmf.map $(LIB_OBJS)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(LIB_SONAME) -Wl,--version-script,$(TOP)/lib/libmmf.map \
		-Wl,-z,defs -Wl,-z,relro -Wl,-z,now $(LDFLAGS) -o $@ $(LIB_OBJS) -lpthread

$(LIB_DIR)/$(LIB_SONAME) $(LIB_DIR)/libmmf.so: $(LIB_SO)
	ln -sf $(notdir $<) $@

$(LIB_DIR)/libmmf.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# The build tree's mmf.pc points at the sources and the build directory.
$(LIB_DIR)/mmf.pc: $(TOP)/lib/mmf.pc.in $(TOP)/lib/lib.mk $(TOP)/VERSION
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(TOP)|; s|@LIBDIR@|$(LIB_DIR)|; s|@INCLUDEDIR@|$(TOP)/include|' \
		-e 's|@VERSION@|$(MMF_VERSION)|' $< > $@

# Examples: one program per directory under examples/, linked with libmmf.
EXAMPLES := $(notdir $(patsubst %/,%,$(wildcard $(TOP)/examples/*/)))
examples: $(addprefix $(BUILD)/examples/,$(EXAMPLES))

# Built the way users build: cc prog.c $(pkg-config --cflags --libs mmf),
# with the build tree's mmf.pc, plus a run path of $ORIGIN/../lib so that
# they start from the build tree as built (build/examples/recdb finds
# build/lib/libmmf.so.1).  The packages ship the examples' sources only.
EXAMPLE_FLAGS = $(shell PKG_CONFIG_PATH=$(LIB_DIR) pkg-config --cflags --libs mmf)

$(BUILD)/examples/%: $(TOP)/examples/%/*.c $(LIB_SO) $(LIB_DIR)/libmmf.so $(LIB_DIR)/mmf.pc \
	$(TOP)/include/mmf.h $(TOP)/include/mmf/win32.h
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra $(WERROR_FLAG) -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) \
		-o $@ $(filter %.c,$^) $(EXAMPLE_FLAGS) -Wl,-rpath,'$$ORIGIN/../lib'

MAN3 := $(wildcard $(TOP)/man/*.3)
MAN8 := $(wildcard $(TOP)/man/*.8)

# win32port (issue 11): Windows mapping code compiled unchanged against an
# installed <mmf/win32.h>, the way a porter builds it: from a tree made by
# "make install DESTDIR=", with that tree's mmf.pc (PKG_CONFIG_SYSROOT_DIR
# points its paths into the tree) and no flags of ours but -Wall -Wextra
# -Werror and the run path (the same libmmf.so.1 as build/lib's).  Built
# twice: TEXT() as u"..." (the compiler's default C), and as L"..." with
# -fshort-wchar (win32port-short-wchar).  Not through "lib": install needs
# it built.
EXAMPLE_DEST := $(BUILD)/example-install
EXAMPLE_PREFIX := /usr/local
EXAMPLE_PKG_CONFIG := PKG_CONFIG_PATH=$(EXAMPLE_DEST)$(EXAMPLE_PREFIX)/lib/pkgconfig \
	PKG_CONFIG_LIBDIR=$(EXAMPLE_DEST)$(EXAMPLE_PREFIX)/lib/pkgconfig \
	PKG_CONFIG_SYSROOT_DIR=$(EXAMPLE_DEST) pkg-config

$(EXAMPLE_DEST)/.installed: $(LIB_FILES) $(BUILD)/tools/mmfctl $(TOP)/lib/mmf.pc.in \
	$(TOP)/include/mmf.h $(TOP)/include/mmf/win32.h $(TOP)/include/uapi/linux/mmf.h $(MAN3) $(MAN8)
	rm -rf $(EXAMPLE_DEST)
	$(MAKE) -s --no-print-directory -C $(TOP) BUILD=$(BUILD) install DESTDIR=$(EXAMPLE_DEST) \
		PREFIX=$(EXAMPLE_PREFIX) LIBDIR=$(EXAMPLE_PREFIX)/lib \
		INCLUDEDIR=$(EXAMPLE_PREFIX)/include BINDIR=$(EXAMPLE_PREFIX)/bin \
		MANDIR=$(EXAMPLE_PREFIX)/share/man > /dev/null
	touch $@

$(BUILD)/examples/win32port: $(TOP)/examples/win32port/win32port.c $(EXAMPLE_DEST)/.installed
	@mkdir -p $(@D)
	$(CC) -Wall -Wextra $(WERROR_FLAG) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$$($(EXAMPLE_PKG_CONFIG) --cflags --libs mmf) -Wl,-rpath,'$$ORIGIN/../lib'

$(BUILD)/examples/win32port-short-wchar: $(TOP)/examples/win32port/win32port.c \
	$(EXAMPLE_DEST)/.installed
	@mkdir -p $(@D)
	$(CC) -fshort-wchar -Wall -Wextra $(WERROR_FLAG) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$$($(EXAMPLE_PKG_CONFIG) --cflags --libs mmf) -Wl,-rpath,'$$ORIGIN/../lib'

examples: $(BUILD)/examples/win32port-short-wchar

install: $(LIB_FILES) tools
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(INCLUDEDIR)/mmf $(DESTDIR)$(INCLUDEDIR)/linux $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libmmf.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(DESTDIR)$(LIBDIR)/libmmf.so
	install -m 0644 $(LIB_DIR)/libmmf.a $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(TOP)/include/mmf.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 0644 $(TOP)/include/mmf/win32.h $(DESTDIR)$(INCLUDEDIR)/mmf/
	install -m 0644 $(TOP)/include/uapi/linux/mmf.h $(DESTDIR)$(INCLUDEDIR)/linux/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
		-e 's|@VERSION@|$(MMF_VERSION)|' $(TOP)/lib/mmf.pc.in \
		> $(DESTDIR)$(LIBDIR)/pkgconfig/mmf.pc
	install -m 0755 $(BUILD)/tools/mmfctl $(DESTDIR)$(BINDIR)/
	@# The pages' footers name the release of VERSION.
	@for f in $(MAN3) $(MAN8); do \
		d=$(DESTDIR)$(MANDIR)/man$${f##*.}/$${f##*/}; \
		echo "  MAN     $$d"; \
		sed '/^\.TH/ s/"mmf [0-9][0-9.]*"/"mmf $(MMF_VERSION)"/' $$f > $$d && chmod 0644 $$d || exit 1; \
	done

# Host-side tests: kselftest-harness programs linked statically with
# libmmf.a (so that they can also reach the internal error mapping), and a
# shell test that installs into a temporary DESTDIR.  KTAP on stdout.
HOST_TESTS := $(patsubst $(TOP)/lib/tests/%.c,$(BUILD)/host-tests/%,\
	$(sort $(wildcard $(TOP)/lib/tests/*_test.c)))

$(BUILD)/host-tests/%: $(TOP)/lib/tests/%.c $(LIB_DIR)/libmmf.a $(KSRC)/.stamp \
	$(TOP)/selftests/mmft_lib.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g -Wall -Werror -D_GNU_SOURCE -I$(KSFT_INC) \
		-DMMF_TEST_RELEASE='"$(MMF_VERSION)"' \
		-I$(TOP)/include -I$(TOP)/include/uapi -I$(TOP)/lib \
		-o $@ $< $(LIB_DIR)/libmmf.a -lpthread

host-check: lib tools $(HOST_TESTS)
	@BUILD=$(BUILD) CC=$(CC) $(TOP)/lib/tests/run_host_tests.sh $(HOST_TESTS)

.PHONY: lib examples install host-check

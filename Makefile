# SPDX-License-Identifier: GPL-2.0
#
# Users:       make [KDIR=...]   build vmxon.ko against a kernel tree
#              make probe        build/vmx-probe, for vmx-status --probe
#              make install      vmx-status, vmx-probe, vmx-status.8 (PREFIX, DESTDIR)
#              make deb          the packages vmxon-dkms and vmxon-tools (build/deb)
# Clients:     make samples      build samples/client and samples/hv against KDIR
#                                and vmxon
# Everyone:    make demo         vmxon in an emulated machine with VMX
# Developers:  make test         everything, in emulators (see README.md)
#              make check        W=1, sparse, checkpatch, kernel-doc
#              make bench        vmxon vs kvm_intel timings in Bochs (build/bench)
#              make dkms-check   dkms add/build/remove, private DKMS tree
#              make kernel-7.2   prepare a 7.2 tree for the refusal check
#              make deb-check    the packages in a clean Debian 12 chroot
#              make version-check  VERSION, dkms.conf, debian/changelog agree
KDIR ?= /lib/modules/$(shell uname -r)/build
# The vmxon that samples link against: the directory of its Module.symvers
# (this tree, after `make`).
VMXON ?= $(CURDIR)
# make install: as the package vmxon-tools installs, with PREFIX=/usr.
PREFIX ?= /usr/local
CFLAGS ?= -O2
VERSION := $(shell cat VERSION)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The module's decision code (vmx_caps.c) built in user space.
probe: build/vmx-probe

build/vmx-probe: tools/vmx-probe.c $(wildcard tools/include/*/*.h) vmx_caps.c \
		 vmx_caps.h vmx_percpu.h
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wall -Wextra -Itools/include $(LDFLAGS) -o $@ \
		tools/vmx-probe.c vmx_caps.c

# vmx-status finds vmx-probe in ../libexec/vmxon/ of its own directory.
install: probe
	install -D -m 755 scripts/vmx-status $(DESTDIR)$(PREFIX)/sbin/vmx-status
	install -D -m 755 build/vmx-probe $(DESTDIR)$(PREFIX)/libexec/vmxon/vmx-probe
	install -D -m 644 docs/vmx-status.8 $(DESTDIR)$(PREFIX)/share/man/man8/vmx-status.8

# The module's source as DKMS builds it (the package vmxon-dkms; dh_dkms
# adds dkms.conf).
install-dkms:
	bash -c '. scripts/lib.sh && stage_module "$$1"' sh \
		$(DESTDIR)/usr/src/vmxon-$(VERSION)

# The sample client and the sample hypervisor, each built out of tree as
# any client builds (its Makefile): vmx_percpu.h from this tree, vmxon's
# symbols from VMXON/Module.symvers.
samples:
	@test -f $(VMXON)/Module.symvers || \
		{ echo "no $(VMXON)/Module.symvers: run make first, or set VMXON="; exit 1; }
	$(MAKE) -C samples/client KDIR=$(KDIR) VMXON=$(VMXON) VMXON_INCLUDE=$(CURDIR)
	$(MAKE) -C samples/hv KDIR=$(KDIR) VMXON=$(VMXON) VMXON_INCLUDE=$(CURDIR)

clean:
	@if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/samples/client clean; \
		$(MAKE) -C $(KDIR) M=$(CURDIR)/samples/hv clean; fi
	rm -rf build

test:
	scripts/test.sh

check:
	scripts/check.sh

bench:
	scripts/bench.sh

demo:
	scripts/demo.sh

dkms-check:
	scripts/dkms-check.sh

kernel-7.2:
	scripts/kernel.sh --prepare 7.2

deb:
	scripts/deb.sh

deb-check:
	scripts/deb-check.sh

version-check:
	scripts/version-check.sh

.PHONY: all modules probe install install-dkms samples clean test check bench demo \
	dkms-check kernel-7.2 deb deb-check version-check

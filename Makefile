# SPDX-License-Identifier: GPL-2.0
#
# Users:       make [KDIR=...]   build vmxon.ko against a kernel tree
#              make probe        build/vmx-probe, for vmx-status --probe
# Clients:     make samples      build samples/client and samples/hv against KDIR
#                                and vmxon
# Everyone:    make demo         vmxon in an emulated machine with VMX
# Developers:  make test         everything, in emulators (see README.md)
#              make check        W=1, sparse, checkpatch, kernel-doc
#              make bench        vmxon vs kvm_intel timings in Bochs (build/bench)
#              make dkms-check   dkms add/build/remove, private DKMS tree
#              make kernel-7.2   prepare a 7.2 tree for the refusal check
KDIR ?= /lib/modules/$(shell uname -r)/build
# The vmxon that samples link against: the directory of its Module.symvers
# (this tree, after `make`).
VMXON ?= $(CURDIR)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# The module's decision code (vmx_caps.c) built in user space.
probe: build/vmx-probe

build/vmx-probe: tools/vmx-probe.c $(wildcard tools/include/*/*.h) vmx_caps.c \
		 vmx_caps.h vmx_percpu.h
	@mkdir -p build
	$(CC) -O2 -Wall -Wextra -Itools/include -o $@ tools/vmx-probe.c vmx_caps.c

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

.PHONY: all modules probe samples clean test check bench demo dkms-check kernel-7.2

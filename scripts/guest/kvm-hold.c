// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-hold FILE: keep a KVM virtual machine alive until killed. Its one
 * vCPU runs "hlt; jmp .-1" in real mode; after every HLT exit the count of
 * exits so far is written to FILE.tmp, renamed to FILE: a reader sees the
 * old count or the new one, never the empty file a rewrite in place shows
 * between its truncation and its write. Exits 1 with a message on any
 * failure. Built static for the test guest.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE	0x10000
#define CODE_ADDR	0x1000

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	static const unsigned char code[] = { 0xf4, 0xeb, 0xfd };
	struct kvm_userspace_memory_region region = {};
	struct kvm_regs regs = {};
	struct kvm_sregs sregs;
	struct kvm_run *run;
	int kvm, vm, vcpu, size;
	unsigned long n;
	char tmp[256];
	void *mem;

	if (argc != 2) {
		fprintf(stderr, "usage: kvm-hold FILE\n");
		return 2;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]) >= (int)sizeof(tmp)) {
		fprintf(stderr, "kvm-hold: %s: name too long\n", argv[1]);
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		fail("KVM_CREATE_VM");
	if (ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		fail("KVM_SET_TSS_ADDR");
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		fail("mmap");
	memcpy((char *)mem + CODE_ADDR, code, sizeof(code));
	region.memory_size = MEM_SIZE;
	region.userspace_addr = (uintptr_t)mem;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		fail("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		fail("mmap vcpu");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		fail("KVM_SET_SREGS");
	regs.rip = CODE_ADDR;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		fail("KVM_SET_REGS");

	for (n = 1;; n++) {
		FILE *f;

		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_HLT) {
			fprintf(stderr, "unexpected exit reason %u\n",
				run->exit_reason);
			return 1;
		}
		f = fopen(tmp, "w");
		if (!f)
			fail(tmp);
		fprintf(f, "%lu\n", n);
		if (fclose(f))
			fail(tmp);
		if (rename(tmp, argv[1]))
			fail(argv[1]);
		usleep(100000);
	}
}

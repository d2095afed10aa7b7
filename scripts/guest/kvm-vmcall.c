// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-vmcall N: time one KVM_RUN of a KVM guest that executes VMCALL N
 * times, then HLT, for `make bench` beside the sample hypervisor's
 * VMCALL (samples/hv). Its one vCPU runs in real mode:
 *
 *	mov ecx, N; test ecx, ecx; jz 1f
 *	0: vmcall; dec ecx; jnz 0b
 *	1: hlt
 *
 * KVM handles each VMCALL in the kernel (an unknown hypercall: RAX =
 * -KVM_ENOSYS, RIP advanced); the HLT exits to user space (no in-kernel
 * irqchip). Prints "ns NS": CLOCK_MONOTONIC around that KVM_RUN. Exits 1
 * with a message on any failure, or when ECX is not 0 at the HLT.
 * Built static for the test guest.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE	0x10000
#define CODE_ADDR	0x1000

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned char code[] = {
		0x66, 0xb9, 0, 0, 0, 0,	/* mov ecx, N */
		0x66, 0x85, 0xc9,	/* test ecx, ecx */
		0x74, 0x07,		/* jz 1f */
		0x0f, 0x01, 0xc1,	/* 0: vmcall */
		0x66, 0x49,		/* dec ecx */
		0x75, 0xf9,		/* jnz 0b */
		0xf4,			/* 1: hlt */
	};
	struct kvm_userspace_memory_region region = {};
	struct kvm_regs regs = {};
	struct kvm_sregs sregs;
	struct kvm_run *run;
	int kvm, vm, vcpu, size;
	uint64_t t0, t1;
	uint32_t n;
	void *mem;

	if (argc != 2) {
		fprintf(stderr, "usage: kvm-vmcall N\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 0);
	memcpy(code + 2, &n, sizeof(n));
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

	t0 = now_ns();
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		fail("KVM_RUN");
	t1 = now_ns();
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "unexpected exit reason %u\n", run->exit_reason);
		return 1;
	}
	if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
		fail("KVM_GET_REGS");
	if ((uint32_t)regs.rcx != 0) {
		fprintf(stderr, "ECX %llu at HLT, not 0\n", (unsigned long long)regs.rcx);
		return 1;
	}
	printf("ns %llu\n", (unsigned long long)(t1 - t0));
	return 0;
}

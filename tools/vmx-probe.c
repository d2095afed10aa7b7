// SPDX-License-Identifier: GPL-2.0
/*
 * vmx-probe: can each online CPU enter VMX root operation, and if not why,
 * without vmxon loaded. The engine of `vmx-status --probe`, which starts
 * it and formats its output for people.
 *
 * It reads what the module's hw_read_regs() (vmx_msr.c) reads, through the
 * kernel's cpuid and msr drivers (/dev/cpu/N/cpuid, /dev/cpu/N/msr), and
 * judges it with the module's own vmx_check_cpu() (vmx_caps.c, compiled in
 * unchanged), then applies the module's fleet rule (vmx_fleet_check() in
 * vmx_fleet.c): every ready CPU's VMX capability MSRs must equal those of
 * the first ready CPU, else that CPU is "inconsistent". So each CPU gets
 * the token the module's check-only mode (insmod vmxon.ko enable=0) puts in
 * /sys/devices/system/cpu/cpuN/vmx/reason, except for what user space
 * cannot see:
 *
 * - CR0 and CR4 cannot be read from user space. The fixed-bit checks run
 *   on ASSUMED_CR0 and ASSUMED_CR4 below: the CR0 every x86-64 Linux runs
 *   with, and the CR4 bits every x86-64 Linux sets. CR4 bits that depend on
 *   the CPU and the kernel's configuration (MCE, OSXSAVE, FSGSBASE, PCIDE,
 *   SMEP, SMAP, UMIP, LA57, PKE, ...) are not checked against
 *   IA32_VMX_CR4_FIXED1.
 * - The kernel's X86_FEATURE_VMX is the "vmx" flag of the CPU in
 *   /proc/cpuinfo, which the module reads from the kernel directly. Whether
 *   feat_ctl.c configured IA32_FEATURE_CONTROL is not shown there: it does
 *   on every CPU vendor with VMX that the kernel was built for, and the
 *   probe takes it as done.
 * - CR4.VMXE: whether another hypervisor (KVM, VirtualBox, VMware) holds
 *   VMX right now. The probe therefore never reports "busy".
 *
 * Output, one line each, read by scripts/vmx-status:
 *   assumed cr0 0xCR0 cr4 0xCR4
 *   cpuN TOKEN 0xREVISION 0xFEATURE_CONTROL 0xBAD_BITS   (per online CPU)
 * BAD_BITS are the offending CR bits for cr0_fixed_bits and cr4_fixed_bits.
 *
 * Exit status: 0 every online CPU is ok, 1 some CPU is not, 3 the probe
 * could not read the registers (message on stderr).
 *
 * Build (the guest's copy is static: scripts/initramfs.sh):
 *   cc -O2 -Itools/include -o build/vmx-probe tools/vmx-probe.c vmx_caps.c
 * (make probe); tools/include/ stands in for the kernel headers they include.
 */
#define _GNU_SOURCE
#include <asm/processor-flags.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../vmx_caps.h"

/* Linux's CR0 from head_64.S on (uapi asm/processor-flags.h). */
#define ASSUMED_CR0	CR0_STATE
/* head_64.S sets PAE and PGE; fpu__init_cpu_generic() OSFXSR, OSXMMEXCPT. */
#define ASSUMED_CR4	(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR | \
			 X86_CR4_OSXMMEXCPT)

#define MSR_IA32_FEAT_CTL	0x3a

struct cpu {
	unsigned int id;
	struct vmx_cpu_regs regs;
	struct vmx_verdict verdict;
};

static int rdmsr(int fd, u32 msr, u64 *val)
{
	return pread(fd, val, sizeof(*val), msr) == sizeof(*val) ? 0 : -1;
}

/* CPUID.1:ECX of @cpu: the cpuid driver, else the instruction, pinned. */
static int cpuid1_ecx(unsigned int cpu, u32 *ecx)
{
	unsigned int r[4];
	char path[64];
	cpu_set_t old, one;
	int fd, ok;

	snprintf(path, sizeof(path), "/dev/cpu/%u/cpuid", cpu);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		ok = pread(fd, r, sizeof(r), 1) == sizeof(r);
		close(fd);
		if (!ok) {
			fprintf(stderr, "vmx-probe: %s: cannot read leaf 1\n",
				path);
			return -1;
		}
		*ecx = r[2];
		return 0;
	}
	if (sched_getaffinity(0, sizeof(old), &old))
		return -1;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one)) {
		fprintf(stderr, "vmx-probe: no %s and cannot run on cpu%u\n",
			path, cpu);
		return -1;
	}
	__cpuid(1, r[0], r[1], r[2], r[3]);
	*ecx = r[2];
	sched_setaffinity(0, sizeof(old), &old);
	return 0;
}

/* As hw_read_regs() in vmx_msr.c, with the CRs assumed. */
static int read_regs(unsigned int cpu, struct vmx_cpu_regs *regs)
{
	char path[64];
	int fd, i;

	*regs = (struct vmx_cpu_regs){ 0 };
	if (cpuid1_ecx(cpu, &regs->cpuid1_ecx))
		return -1;
	regs->cr0 = ASSUMED_CR0;
	regs->cr4 = ASSUMED_CR4;
	snprintf(path, sizeof(path), "/dev/cpu/%u/msr", cpu);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "vmx-probe: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT ? " (modprobe msr)" :
			errno == EACCES || errno == EPERM ?
			" (needs root: CAP_SYS_RAWIO)" : "");
		return -1;
	}
	if (rdmsr(fd, MSR_IA32_FEAT_CTL, &regs->feature_control))
		regs->feature_control = 0;
	for (i = 0; i < VMX_CAP_COUNT; i++) {
		if (rdmsr(fd, VMX_CAP_MSR_BASE + i, &regs->caps.msr[i]))
			regs->caps.msr[i] = 0;
		else
			regs->caps.present |= BIT(i);
	}
	close(fd);
	return 0;
}

/* The online CPUs, from the cpulist in /sys/devices/system/cpu/online. */
static unsigned int online_cpus(struct cpu **cpus)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	unsigned int a, b, n = 0, cap = 0;
	struct cpu *c = NULL;
	char sep;

	if (!f) {
		perror("vmx-probe: /sys/devices/system/cpu/online");
		return 0;
	}
	while (fscanf(f, "%u", &a) == 1) {
		b = a;
		sep = fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%u", &b) != 1)
				break;
			sep = fgetc(f);
		}
		for (; a <= b; a++) {
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				c = realloc(c, cap * sizeof(*c));
				if (!c) {
					perror("vmx-probe");
					exit(3);
				}
			}
			c[n++].id = a;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	*cpus = c;
	return n;
}

/*
 * The kernel's X86_FEATURE_VMX of each CPU: the "vmx" word in the flags
 * line of its "processor" block of /proc/cpuinfo, read once for all.
 */
static int read_kernel_flags(struct cpu *cpus, unsigned int n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct cpu *mine = NULL;
	unsigned int i, id, found = 0;
	char line[4096];

	if (!f) {
		perror("vmx-probe: /proc/cpuinfo");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "processor : %u", &id) == 1) {
			mine = NULL;
			for (i = 0; i < n; i++)
				if (cpus[i].id == id)
					mine = &cpus[i];
		} else if (mine && !strncmp(line, "flags", 5)) {
			/* Without feature names (6.1's X86_FEATURE_NAMES=n,
			 * no "fpu" either) the flag cannot be seen: as set.
			 */
			mine->regs.kernel_vmx = strstr(line, " vmx ") ||
						strstr(line, " vmx\n") ||
						!strstr(line, " fpu ");
			mine->regs.kernel_fc = true;
			mine = NULL;
			found++;
		}
	}
	fclose(f);
	if (found == n)
		return 0;
	fprintf(stderr, "vmx-probe: /proc/cpuinfo lacks %u online CPUs (did one go offline?)\n",
		n - found);
	return -1;
}

int main(void)
{
	struct vmx_caps ref;
	bool have_ref = false;
	unsigned int i, n;
	struct cpu *cpus;
	int status = 0;

	n = online_cpus(&cpus);
	if (!n) {
		fprintf(stderr, "vmx-probe: no online CPU found\n");
		return 3;
	}
	for (i = 0; i < n; i++)
		if (read_regs(cpus[i].id, &cpus[i].regs))
			return 3;
	if (read_kernel_flags(cpus, n))
		return 3;
	for (i = 0; i < n; i++)
		vmx_check_cpu(&cpus[i].regs, &cpus[i].verdict);
	/* The module's rule across CPUs, as vmx_fleet_check() applies it. */
	for (i = 0; i < n; i++)
		vmx_caps_agree(&ref, &have_ref, &cpus[i].regs.caps,
			       &cpus[i].verdict.reason);

	printf("assumed cr0 0x%llx cr4 0x%llx\n", (unsigned long long)ASSUMED_CR0,
	       (unsigned long long)ASSUMED_CR4);
	for (i = 0; i < n; i++) {
		const struct vmx_verdict *v = &cpus[i].verdict;

		printf("cpu%u %s 0x%x 0x%llx 0x%llx\n", cpus[i].id,
		       vmx_reason_token(v->reason), v->basic.revision_id,
		       (unsigned long long)cpus[i].regs.feature_control,
		       (unsigned long long)v->bad_bits);
		if (v->reason != VMX_REASON_OK)
			status = 1;
	}
	free(cpus);
	return status;
}

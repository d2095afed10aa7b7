#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of scripts/vmx-status on the host, against a made-up sysfs.

vmx-status reads VMX_STATUS_SYSFS instead of /sys, and runs VMX_PROBE
instead of vmx-probe: each test writes the files vmxon (and the kernel's
modules) would show, runs vmx-status with and without --json, and checks
the exit status, the table and the JSON, which must parse. Each test runs
under every shell found of dash (the host's /bin/sh) and busybox sh with
busybox's applets (the guest's), which must agree.

    scripts/tests/vmx_status_test.py

Prints KTAP, as ktap_test.py does.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ktap_test import KtapResult  # noqa: E402

VMX_STATUS = os.path.join(HERE, '..', 'vmx-status')
SHELLS = [s for s in (['dash'], ['busybox', 'sh']) if shutil.which(s[0])]
# busybox's applets, as the guest has them, for the busybox shell.
APPLETS = ('awk', 'cat', 'dirname', 'grep', 'ls', 'printf', 'sed')


class Sysfs:
    """A made-up /sys with vmxon's files."""

    def __init__(self, root):
        self.root = root

    def write(self, path, text):
        p = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, 'w') as f:
            f.write(text + '\n')

    def cpu(self, n, state='on', reason='ok', rev='0x2b', fc='0x5', online=1):
        d = f'devices/system/cpu/cpu{n}'
        if n:
            self.write(f'{d}/online', str(online))
        for name, v in (('state', state), ('reason', reason),
                        ('vmcs_revision_id', rev), ('feature_control', fc)):
            self.write(f'{d}/vmx/{name}', v)

    def vmxon(self, enabled=1, failed='', on='0-1'):
        self.write('kernel/vmxon/enabled', str(enabled))
        self.write('kernel/vmxon/cpus_failed', failed)
        self.write('kernel/vmxon/cpus_on', on)

    def module(self, name, params=None):
        os.makedirs(os.path.join(self.root, 'module', name), exist_ok=True)
        for k, v in (params or {}).items():
            self.write(f'module/{name}/parameters/{k}', v)


class VmxStatusTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.sys = Sysfs(os.path.join(self.tmp.name, 'sys'))
        os.makedirs(self.sys.root)
        self.probe = None

    def tearDown(self):
        self.tmp.cleanup()

    def fake_probe(self, output, rc):
        """A vmx-probe that prints OUTPUT and exits with RC."""
        self.probe = os.path.join(self.tmp.name, 'vmx-probe')
        with open(self.probe, 'w') as f:
            f.write(f"#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\nexit {rc}\n")
        os.chmod(self.probe, 0o755)

    def run_all(self, *args):
        """vmx-status ARGS under each shell: [(rc, stdout)], all alike."""
        self.assertTrue(SHELLS, 'no dash and no busybox')
        env = dict(os.environ, VMX_STATUS_SYSFS=self.sys.root)
        if self.probe:
            env['VMX_PROBE'] = self.probe
        res = []
        for sh in SHELLS:
            e = env
            if sh[0] == 'busybox':
                bb = os.path.join(self.tmp.name, 'busybox-bin')
                os.makedirs(bb, exist_ok=True)
                for a in APPLETS:
                    if not os.path.exists(os.path.join(bb, a)):
                        os.symlink(shutil.which('busybox'), os.path.join(bb, a))
                e = dict(env, PATH=bb)
            p = subprocess.run([shutil.which(sh[0])] + sh[1:] + [VMX_STATUS, *args], env=e,
                               capture_output=True, text=True)
            res.append((p.returncode, p.stdout))
        for r in res[1:]:
            self.assertEqual(r, res[0], f'{SHELLS[0]} and another shell differ')
        return res[0]

    def json(self, *args):
        rc, out = self.run_all('--json', *args)
        self.assertEqual(len(out.splitlines()), 1, out)
        return rc, json.loads(out)

    def test_all_on(self):
        self.sys.vmxon()
        self.sys.cpu(0)
        self.sys.cpu(1)
        rc, out = self.run_all()
        self.assertEqual(rc, 0)
        self.assertIn('cpu1   on     ok                     0x2b       '
                      '0x5 (locked, vmxon outside SMX)', out)
        self.assertTrue(out.endswith('verdict: all 2 CPUs in VMX root (vmxon enabled: 1)\n'))
        rc, j = self.json()
        self.assertEqual(rc, 0)
        self.assertEqual(j['mode'], 'module')
        self.assertIs(j['loaded'], True)
        self.assertEqual(j['cpus'][1], {
            'cpu': 1, 'state': 'on', 'reason': 'ok', 'revision_id': '0x2b',
            'feature_control': '0x5', 'locked': True,
            'vmxon_outside_smx': True, 'vmxon_inside_smx': False})
        self.assertEqual(j['holders'], [])
        self.assertEqual(j['verdict'], {
            'ok': True, 'cpus': 2, 'ready': 2, 'failing': [], 'enabled': 1,
            'text': 'all 2 CPUs in VMX root (vmxon enabled: 1)'})

    def test_offline_cpu_left_out(self):
        self.sys.vmxon()
        self.sys.cpu(0)
        self.sys.cpu(1, state='off', online=0)
        rc, j = self.json()
        self.assertEqual(rc, 0)
        self.assertEqual([c['cpu'] for c in j['cpus']], [0])

    def test_failing_cpulist(self):
        self.sys.vmxon(enabled=0, failed='0-2,5', on='')
        for n in range(6):
            self.sys.cpu(n, state='off', reason='disabled_by_firmware', fc='0x1')
        rc, out = self.run_all()
        self.assertEqual(rc, 1)
        self.assertIn('verdict: 0 of 6 CPUs in VMX root; failing: 0-2,5 (vmxon enabled: 0)', out)
        self.assertIn('0x1 (locked, vmxon disabled)', out)
        rc, j = self.json()
        self.assertEqual(rc, 1)
        self.assertEqual(j['verdict']['failing'], [0, 1, 2, 5])
        self.assertIs(j['verdict']['ok'], False)
        self.assertEqual(j['verdict']['enabled'], 0)
        self.assertIs(j['cpus'][0]['vmxon_outside_smx'], False)

    def busy(self):
        self.sys.vmxon(enabled=0, failed='0-1', on='')
        self.sys.cpu(0, state='off', reason='busy')
        self.sys.cpu(1, state='off', reason='busy')

    def test_busy_kvm_at_load(self):
        self.busy()
        self.sys.module('kvm_intel')
        self.sys.module('kvm', {'enable_virt_at_load': 'Y'})
        rc, out = self.run_all()
        self.assertEqual(rc, 1)
        self.assertIn('holder: kvm_intel (kvm.enable_virt_at_load=Y: KVM holds VMX on '
                      'every CPU from its load); fix: rmmod kvm_intel (vmxon refuses', out)
        rc, j = self.json()
        self.assertEqual(rc, 1)
        self.assertEqual([h['module'] for h in j['holders']], ['kvm_intel'])
        self.assertIn('enable_virt_at_load=0', j['holders'][0]['fix'])

    def test_busy_kvm_6_1(self):
        self.busy()
        self.sys.module('kvm_intel')
        self.sys.module('kvm')
        rc, j = self.json()
        self.assertEqual(j['holders'][0]['detail'], 'KVM holds VMX while a VM exists')

    def test_busy_vbox_vmware(self):
        self.busy()
        self.sys.module('vboxdrv')
        self.sys.module('vmmon')
        rc, j = self.json()
        self.assertEqual([h['module'] for h in j['holders']], ['vboxdrv', 'vmmon'])

    def test_busy_unknown_holder(self):
        self.busy()
        rc, out = self.run_all()
        self.assertIn('holder: unknown (no kvm_intel, vboxdrv or vmmon module is loaded', out)

    def test_no_holder_unless_busy(self):
        self.sys.vmxon()
        self.sys.cpu(0)
        self.sys.module('kvm_intel')
        rc, out = self.run_all()
        self.assertNotIn('holder:', out)

    def test_not_loaded(self):
        rc, out = self.run_all()
        self.assertEqual((rc, out), (2, 'vmxon is not loaded\n'))
        rc, j = self.json()
        self.assertEqual(rc, 2)
        self.assertIs(j['loaded'], False)
        self.assertEqual(j['verdict']['text'], 'vmxon is not loaded')

    PROBE = ('assumed cr0 0x80050033 cr4 0x6a0\n'
             'cpu0 ok 0x2b 0x5 0x0\n'
             'cpu1 cr4_fixed_bits 0x2b 0x5 0x40000')

    def test_probe(self):
        self.fake_probe(self.PROBE, 1)
        rc, out = self.run_all('--probe')
        self.assertEqual(rc, 1)
        self.assertIn('cpu1   cr4_fixed_bits         0x2b       '
                      '0x5 (locked, vmxon outside SMX), bad bits 0x40000', out)
        self.assertIn('the probe never reports busy', out)
        self.assertTrue(out.endswith('verdict: 1 of 2 CPUs can enter VMX root; '
                                     'cannot: cpu1 (probe)\n'))
        rc, j = self.json('--probe')
        self.assertEqual(rc, 1)
        self.assertEqual(j['mode'], 'probe')
        self.assertEqual((j['assumed_cr0'], j['assumed_cr4']), ('0x80050033', '0x6a0'))
        self.assertEqual(j['cpus'][1], {
            'cpu': 1, 'state': None, 'reason': 'cr4_fixed_bits',
            'revision_id': '0x2b', 'feature_control': '0x5', 'locked': True,
            'vmxon_outside_smx': True, 'vmxon_inside_smx': False,
            'bad_bits': '0x40000'})
        self.assertEqual(j['verdict']['failing'], [1])
        self.assertEqual(j['verdict']['ready'], 1)
        self.assertIsNone(j['verdict']['enabled'])

    def test_probe_all_ok_names_holders(self):
        self.fake_probe(self.PROBE.replace('cr4_fixed_bits', 'ok'), 0)
        self.sys.vmxon(on='0-1')
        self.sys.module('kvm_intel')
        self.sys.module('kvm', {'enable_virt_at_load': 'N'})
        rc, out = self.run_all('--probe')
        self.assertEqual(rc, 0)
        self.assertIn('holder: vmxon (vmxon holds VMX on CPUs 0-1)', out)
        self.assertIn('holder: kvm_intel (kvm.enable_virt_at_load=N: KVM holds VMX while a VM runs)', out)
        rc, j = self.json('--probe')
        self.assertEqual(rc, 0)
        self.assertEqual([h['module'] for h in j['holders']], ['kvm_intel', 'vmxon'])
        self.assertIs(j['verdict']['ok'], True)

    def test_probe_cannot_run(self):
        self.fake_probe('', 3)
        self.assertEqual(self.run_all('--probe')[0], 3)
        self.assertEqual(self.run_all('--json', '--probe')[0], 3)

    def test_usage(self):
        rc, out = self.run_all('--help')
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith('usage: vmx-status'))
        for bad in (['--bogus'], ['--caps', '--json']):
            self.assertEqual(self.run_all(*bad), (3, ''))


# Two CPUs' MSRs, from a Skylake-like CPU: cpu1 lacks VMCS shadowing.
MSRS = {
    0x3a: 0x5,
    0x480: 0x12 | 1024 << 32 | 6 << 50 | 1 << 54 | 1 << 55,
    0x481: 0x0000007f00000016, 0x482: 0xfff9fffe0401e172,
    0x483: 0x01ffffff00036dff, 0x484: 0x0003ffff000011ff,
    0x485: 0x7004c1e7, 0x486: 0x80000021, 0x487: 0xffffffff,
    0x488: 0x2000, 0x489: 0x3767ff, 0x48a: 0x2e,
    0x48b: 0x0053ffbf00000000, 0x48c: 0xf0106734141,
    0x48d: 0x0000007f00000016, 0x48e: 0xfff9fffe04006172,
    0x48f: 0x01ffffff00036dfb, 0x490: 0x0003ffff000011fb, 0x491: 0x1,
}


class VmxProbeTest(unittest.TestCase):
    """vmx-status --caps and --probe with the real vmx-probe, built here,
    reading made-up cpuid and msr files (VMX_PROBE_DEV)."""

    @classmethod
    def setUpClass(cls):
        cls.bin_dir = tempfile.TemporaryDirectory()
        cls.probe = os.path.join(cls.bin_dir.name, 'vmx-probe')
        top = os.path.join(HERE, '..', '..')
        subprocess.run(['cc', '-O2', '-Wall', '-Wextra', '-Werror',
                        '-I' + os.path.join(top, 'tools', 'include'), '-o', cls.probe,
                        os.path.join(top, 'tools', 'vmx-probe.c'),
                        os.path.join(top, 'vmx_caps.c')], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.bin_dir.cleanup()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.sys = Sysfs(os.path.join(self.tmp.name, 'sys'))
        self.dev = os.path.join(self.tmp.name, 'dev')
        self.proc = os.path.join(self.tmp.name, 'proc')

    def tearDown(self):
        self.tmp.cleanup()

    def cpus(self, *msrs, vmx=True, kernel_vmx=True):
        """One CPU per dict of MSR values; CPUID.1:ECX has VMX if VMX; the
        kernel's flags in /proc/cpuinfo have vmx if VMX and KERNEL_VMX."""
        self.sys.write('devices/system/cpu/online', f'0-{len(msrs) - 1}')
        os.makedirs(self.proc, exist_ok=True)
        with open(os.path.join(self.proc, 'cpuinfo'), 'w') as f:
            flag = ' vmx' if vmx and kernel_vmx else ''
            for n in range(len(msrs)):
                f.write(f'processor\t: {n}\nflags\t\t: fpu vme{flag} smx est\n'
                        'vmx flags\t: vnmi\n\n')
        for n, m in enumerate(msrs):
            d = os.path.join(self.dev, str(n))
            os.makedirs(d)
            with open(os.path.join(d, 'cpuid'), 'wb') as f:
                f.write(bytes(1) + (0).to_bytes(8, 'little') +
                        (1 << 5 if vmx else 0).to_bytes(4, 'little') + bytes(4))
            with open(os.path.join(d, 'msr'), 'wb') as f:
                for msr, v in m.items():
                    f.seek(8 * msr)  # as vmx-probe reads a regular file
                    f.write(v.to_bytes(8, 'little'))

    def run_status(self, *args):
        env = dict(os.environ, VMX_STATUS_SYSFS=self.sys.root,
                   VMX_PROBE_DEV=self.dev, VMX_PROBE_PROC=self.proc,
                   VMX_PROBE=self.probe)
        p = subprocess.run(SHELLS[0] + [VMX_STATUS, *args], env=env,
                           capture_output=True, text=True)
        return p.returncode, p.stdout

    def row(self, out, name):
        """The row NAME of --caps: (marked, value and the rest)."""
        for line in out.splitlines():
            if line[2:].startswith(name + ' '):
                return line[0] == '*', line[2:][len(name):].strip()
        self.fail(f'no row {name!r} in:\n{out}')

    def test_caps_decode_and_difference(self):
        other = {**MSRS, 0x48b: MSRS[0x48b] & ~(1 << (32 + 14))}
        self.cpus(MSRS, other)
        rc, out = self.run_status('--caps')
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.row(out, 'Revision'), (False, '18'))
        self.assertEqual(self.row(out, 'VMCS size'), (False, '1024'))
        self.assertEqual(self.row(out, 'Enable EPT'), (False, 'yes'))
        self.assertEqual(self.row(out, 'Enable VPID'), (False, 'yes'))
        self.assertEqual(self.row(out, 'Unrestricted guest'), (False, 'yes'))
        self.assertEqual(self.row(out, 'Activate VMX-preemption timer'), (False, 'yes'))
        self.assertEqual(self.row(out, 'VMX-preemption timer rate (TSC >> N)'), (False, '7'))
        self.assertEqual(self.row(out, '1GB EPT pages'), (False, 'yes'))
        self.assertEqual(self.row(out, 'Single-context-retaining-globals INVVPID'), (False, 'yes'))
        self.assertEqual(self.row(out, 'EPTP Switching'), (False, 'yes'))
        self.assertEqual(self.row(out, 'VMCS shadowing'), (True, 'yes  (cpu1 no)'))
        self.assertIn('* allowed-1 (may be 1)', out)
        self.assertTrue(out.endswith('caps: 2 rows differ between the 2 CPUs with VMX\n'), out)
        # The probe's verdict on the same CPUs: cpu1 is inconsistent.
        rc, out = self.run_status('--probe', '--json')
        self.assertEqual(rc, 1, out)
        self.assertEqual([c['reason'] for c in json.loads(out)['cpus']], ['ok', 'inconsistent'])

    def test_probe_disabled_by_kernel(self):
        # clearcpuid=vmx: CPUID and the MSRs have VMX, the kernel's flag not.
        self.cpus(MSRS, MSRS, kernel_vmx=False)
        rc, out = self.run_status('--probe', '--json')
        self.assertEqual(rc, 1, out)
        self.assertEqual([c['reason'] for c in json.loads(out)['cpus']],
                         ['disabled_by_kernel'] * 2)

    def test_caps_true_controls(self):
        # With IA32_VMX_BASIC bit 55 the TRUE MSR (0x48e) rules: CR3-load
        # exiting may be 0 there, and must be 1 in 0x482.
        self.cpus(MSRS)
        rc, out = self.run_status('--caps')
        self.assertEqual(self.row(out, 'CR3-load exiting'), (False, 'yes'))
        self.assertEqual(self.row(out, 'HLT exiting'), (False, 'yes'))
        self.assertEqual(self.row(out, 'Activate tertiary controls'), (False, 'no'))
        self.assertTrue(out.endswith('caps: all 1 CPUs with VMX agree\n'), out)

    def test_caps_without_true_controls(self):
        self.cpus({**MSRS, 0x480: MSRS[0x480] & ~(1 << 55)})
        rc, out = self.run_status('--caps')
        self.assertEqual(self.row(out, 'CR3-load exiting'), (False, 'default'))
        self.assertEqual(self.row(out, 'IA32_VMX_TRUE_*_CTLS support'), (False, 'no'))

    def test_caps_cpu_without_vmx(self):
        self.cpus(MSRS, {0x3a: 0x5})
        rc, out = self.run_status('--caps')
        self.assertEqual(rc, 0)
        self.assertIn('cpu1: no VMX capability MSRs (no_vmx)', out)
        self.assertTrue(out.endswith('caps: all 1 CPUs with VMX agree\n'), out)

    def test_caps_no_vmx(self):
        self.cpus({0x3a: 0x1}, vmx=False)
        rc, out = self.run_status('--caps')
        self.assertEqual(rc, 1)
        self.assertIn('caps: no online CPU has VMX', out)

    def test_caps_msrs_without_cpuid_vmx(self):
        # QEMU without VMX reads IA32_VMX_BASIC and the others as 0.
        self.cpus({m: 0 for m in MSRS}, vmx=False)
        rc, out = self.run_status('--caps')
        self.assertEqual(rc, 1)
        self.assertIn('cpu0: no VMX capability MSRs (no_vmx)', out)
        self.assertIn('caps: no online CPU has VMX', out)

    def test_probe_disabled_by_firmware(self):
        self.cpus({**MSRS, 0x3a: 0x1}, {**MSRS, 0x3a: 0x1})
        rc, out = self.run_status('--probe')
        self.assertEqual(rc, 1)
        self.assertIn('cpu0   disabled_by_firmware   0x12       0x1 (locked, vmxon disabled)', out)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    print('    KTAP version 1')
    print('    # Subtest: vmx_status')
    print(f'    1..{suite.countTestCases()}')
    runner = unittest.TextTestRunner(stream=open(os.devnull, 'w'), resultclass=KtapResult)
    res = runner.run(suite)
    print(f'{"ok" if res.wasSuccessful() else "not ok"} 1 vmx_status')
    return 0 if res.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())

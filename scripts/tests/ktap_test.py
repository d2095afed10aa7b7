#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of the judge, scripts/ktap.py, over recorded console logs.

The logs in logs/ were recorded from test boots and cut down: a green run
and the canary boot (6.1, QEMU), and Bochs boots with the emulator's own
reports (6.1, 6.12, and 6.1's UBSAN kernel, whose UBSAN report is spliced
into the 6.1 log). Each test changes one thing in a copy of a log, the way
a broken guest or a blind kernel would, and checks the judge's verdict.

    scripts/tests/ktap_test.py [--kunit-py KUNIT_PY]   (KUNIT_PY env also)

With a kunit.py (the kernel's tools/testing/kunit/kunit.py) the judge's
second count is used as in `make test`; without one, the cases that need
it are skipped. Prints KTAP, ending with a line "# totals: P F S".
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
KTAP = os.path.join(HERE, '..', 'ktap.py')
LOGS = os.path.join(HERE, 'logs')
KUNIT_PY = os.environ.get('KUNIT_PY')


def log(name):
    with open(os.path.join(LOGS, name)) as f:
        return f.read().splitlines()


def judge(lines, *args, kunit_py=None):
    """Run the judge on LINES; (passed, failed, skipped, its report)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, 'serial.log')
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        cmd = [sys.executable, KTAP, path, '--target', 'test/log', *args]
        if kunit_py:
            cmd += ['--kunit-py', kunit_py]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r'^totals: (\d+) (\d+) (\d+)$', out, re.M)
    assert m, out
    return int(m[1]), int(m[2]), int(m[3]), out


def drop(lines, pattern, count=1):
    """LINES without the first COUNT lines from the one matching PATTERN."""
    i = next(i for i, x in enumerate(lines) if re.search(pattern, x))
    return lines[:i] + lines[i + count:]


def insert_after(lines, pattern, new):
    i = next(i for i, x in enumerate(lines) if re.search(pattern, x))
    return lines[:i + 1] + new + lines[i + 1:]


def block(lines, first, last):
    """The lines from the first match of FIRST to the next match of LAST."""
    i = next(i for i, x in enumerate(lines) if re.search(first, x))
    j = next(j for j in range(i + 1, len(lines)) if re.search(last, lines[j]))
    return lines[i:j + 1]


def fail_case(lines, *names):
    """LINES with the result lines of NAMES, one after the other, "not ok"."""
    i = 0
    for name in names:
        i = next(j for j in range(i, len(lines))
                 if re.search(r'\]\s+ok \d+ ' + name, lines[j]))
        lines[i] = lines[i].replace(' ok ', ' not ok ', 1)
    return lines


GREEN_SUITES = 'vmxon_kunit_load,vmx_caps,vmx_percpu,vmx_fleet,vmx_real,vmx_api,vmx_reboot,vmxon_leaks'


class Green(unittest.TestCase):
    def test_green_run_passes(self):
        p, f, s, out = judge(log('green-6.1-qemu.log'), '--expect', GREEN_SUITES,
                             kunit_py=KUNIT_PY)
        self.assertEqual((f, s), (0, 1), out)	# vmx_real skips without VMX
        self.assertGreater(p, 150)

    def test_missing_suite_fails(self):
        p, f, s, out = judge(log('green-6.1-qemu.log'), '--expect',
                             GREEN_SUITES + ',vmxon_nosuch')
        self.assertEqual(f, 1, out)
        self.assertIn('suite vmxon_nosuch did not report', out)


class Broken(unittest.TestCase):
    def test_missing_end_marker_fails(self):
        lines = drop(log('green-6.1-qemu.log'), 'vmxon-test: END')
        p, f, s, out = judge(lines)
        self.assertEqual(f, 1, out)
        self.assertIn('no END marker', out)

    def test_missing_begin_marker_fails(self):
        lines = drop(log('green-6.1-qemu.log'), 'vmxon-test: BEGIN')
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('no BEGIN marker', out)

    def test_panic_fails(self):
        # A guest that panics half way: the rest of the log never comes.
        lines = log('green-6.1-qemu.log')
        i = next(i for i, x in enumerate(lines) if '# Subtest: vmx_fleet' in x)
        lines = lines[:i] + [
            '[   14.2] BUG: kernel NULL pointer dereference, address: 0000000000000008',
            '[   14.2] Oops: 0002 [#1] PREEMPT SMP',
            '[   14.2] RIP: 0010:vmx_fleet_enable+0x1c/0x1f [vmxon]',
            '[   14.2] Kernel panic - not syncing: Fatal exception',
        ]
        p, f, s, out = judge(lines, '--expect', GREEN_SUITES)
        self.assertIn('no END marker', out)
        self.assertIn('splat: Oops', out)
        self.assertIn('suite vmx_fleet did not report', out)
        self.assertGreaterEqual(f, 4, out)

    def test_kunit_failure_fails(self):
        lines = fail_case(log('green-6.1-qemu.log'), 'vmxoff$', 'disable_test$', 'vmx_percpu$')
        p, f, s, out = judge(lines, kunit_py=KUNIT_PY)
        self.assertEqual(f, 1, out)
        self.assertIn('FAILED: vmx_percpu: vmxoff', out)

    def test_suite_ok_over_failed_case_fails(self):
        # A case fails but its suite says ok: the judge does not trust it.
        lines = fail_case(log('green-6.1-qemu.log'), 'vmxoff$', 'disable_test$')
        p, f, s, out = judge(lines)
        self.assertEqual(f, 2, out)
        self.assertIn('reported ok with a failed case', out)

    def test_plan_mismatch_fails(self):
        lines = drop(log('green-6.1-qemu.log'), r'\]\s+ok \d+ put_without_get_test$')
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('vmx_api: plan 1..7 but 6 results', out)

    def test_lost_parameterised_case_fails(self):
        # KUnit prints no plan for a parameterised case's results, only a
        # count after them: one result lost on the way must still show.
        lines = drop(log('green-6.1-qemu.log'), r'\]\s+ok \d+ vmxoff$')
        p, f, s, out = judge(lines)
        self.assertEqual(f, 1, out)
        self.assertIn('disable_test: KUnit counted 3 results but 2 are in the log', out)

    def test_splat_fails(self):
        lines = insert_after(log('green-6.1-qemu.log'), '# Subtest: vmx_api', [
            '[   14.5] ------------[ cut here ]------------',
            '[   14.5] WARNING: CPU: 1 PID: 70 at kernel/cpu.c:300 lockdep_assert_cpus_held+0x3a/0x40',
            '[   14.5] ---[ end trace 0000000000000000 ]---',
        ])
        p, f, s, out = judge(lines)
        self.assertEqual(f, 1, out)
        self.assertIn('splat: WARNING: CPU: 1', out)

    def test_kunit_py_agrees(self):
        if not KUNIT_PY:
            self.skipTest("needs the kernel's kunit.py (--kunit-py)")
        p, f, s, out = judge(log('green-6.1-qemu.log'), kunit_py=KUNIT_PY)
        self.assertNotIn('kunit.py', out)

    def test_kunit_py_disagreeing_fails(self):
        # A kunit.py that counts one case less: the two counts must agree.
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, 'kunit.py')
            with open(fake, 'w') as f:
                f.write('import json, sys\n'
                        'out = [a for a in sys.argv if a.startswith("--json=")][0][7:]\n'
                        'case = {"name": "x", "status": "PASS"}\n'
                        'json.dump({"test_cases": [case], "sub_groups": []}, open(out, "w"))\n')
            p, f, s, out = judge(log('green-6.1-qemu.log'), kunit_py=fake)
        self.assertEqual(f, 1, out)
        self.assertIn('kunit.py counts', out)


CANARIES = ['warn', 'lockdep_assert', 'atomic_sleep', 'kmemleak', 'lockdep_deadlock']


class Canary(unittest.TestCase):
    def test_every_canary_detected(self):
        p, f, s, out = judge(log('canary-6.1-qemu.log'), '--canary')
        self.assertEqual(f, 0, out)
        for c in CANARIES:
            self.assertIn(f'canary: {c}: detected', out)

    def test_canary_reports_fail_a_normal_boot(self):
        p, f, s, out = judge(log('canary-6.1-qemu.log'))
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('splat: WARNING:', out)

    def test_silent_warn_fails(self):
        # A kernel without CONFIG_BUG: WARN prints nothing at all.
        lines = log('canary-6.1-qemu.log')
        warn = block(lines, r'provoking warn$', r'end trace')
        lines = [x for x in lines if x not in warn[1:]]
        p, f, s, out = judge(lines, '--canary')
        self.assertEqual(f, 1, out)
        self.assertIn('canary: warn: MISSED', out)
        self.assertIn('canary warn: its report is not in the log', out)

    def test_silent_lockdep_fails(self):
        # lockdep off: neither the assertion nor the deadlock is reported.
        lines = log('canary-6.1-qemu.log')
        for first in (r'provoking lockdep_assert$', r'provoking lockdep_deadlock$'):
            b = block(lines, first, r'end trace|canary end')
            lines = [x for x in lines if x not in b[1:-1]]
        p, f, s, out = judge(lines, '--canary')
        self.assertEqual(f, 2, out)
        self.assertIn('canary: lockdep_assert: MISSED', out)
        self.assertIn('canary: lockdep_deadlock: MISSED', out)

    def test_blind_pattern_fails(self):
        # The report is there, but the splat patterns would not catch it.
        lines = [x.replace('BUG: sleeping function', 'BUGS: sleeping function')
                 for x in log('canary-6.1-qemu.log')]
        lines = [x.replace('BUGS: sleeping function', 'BUG: sleeping function')
                 if 'canary_atomic' in x else x for x in lines]
        pat = re.compile(r'BUG: sleeping function called from invalid context at \S*vmxon_canary')
        lines = [pat.sub('bug - sleeping function called from invalid context at x/vmxon_canary', x)
                 for x in lines]
        p, f, s, out = judge(lines, '--canary')
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('canary: atomic_sleep: MISSED', out)

    def test_unprovoked_canary_fails(self):
        lines = [x for x in log('canary-6.1-qemu.log') if 'canary begin kmemleak' not in x
                 and 'canary end kmemleak' not in x]
        p, f, s, out = judge(lines, '--canary')
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('canary: kmemleak: MISSED', out)

    def test_splat_outside_the_marks_fails(self):
        lines = insert_after(log('canary-6.1-qemu.log'), r'canary end warn', [
            '[    4.29] BUG: using smp_processor_id() in preemptible [00000000] code: sh/45',
        ])
        p, f, s, out = judge(lines, '--canary')
        self.assertEqual(f, 1, out)
        self.assertIn('splat: BUG: using smp_processor_id()', out)


class Quirk(unittest.TestCase):
    def test_boot_xsave_report_accepted(self):
        p, f, s, out = judge(log('quirk-6.1-bochs.log'), '--expect', 'vmxon_leaks')
        self.assertEqual(f, 0, out)
        self.assertIn('known emulator report, accepted: bochs_xsave_size', out)

    def test_6_12_boot_reports_accepted(self):
        # 6.12 in Bochs: the topology report, then the XSAVE one.
        p, f, s, out = judge(log('quirk-6.12-bochs.log'), '--expect', 'vmxon_leaks')
        self.assertEqual(f, 0, out)
        self.assertIn('accepted: bochs_cpuid_topology', out)
        self.assertIn('accepted: bochs_xsave_size', out)

    def test_ubsan_kernel_boot_reports_accepted(self):
        # 6.1's kasan variant in Bochs: UBSAN on the CPUID topology, then XSAVE.
        p, f, s, out = judge(log('quirk-6.1-kasan.log'), '--expect', 'vmxon_leaks')
        self.assertEqual(f, 0, out)
        self.assertIn('accepted: bochs_cpuid_ht_shift', out)
        self.assertIn('accepted: bochs_xsave_size', out)

    def test_ubsan_report_after_begin_fails(self):
        lines = log('quirk-6.1-kasan.log')
        b = block(lines, r'={40}', r'={40}')
        self.assertTrue(any('UBSAN:' in x for x in b), b)
        lines = [x for x in lines if x not in b]
        lines = insert_after(lines, 'vmxon-test: BEGIN', b)
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('splat: UBSAN: shift-out-of-bounds', out)

    def test_other_boot_ubsan_report_fails(self):
        lines = [x.replace('shift exponent -1', 'shift exponent 64')
                 for x in log('quirk-6.1-kasan.log')]
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertNotIn('accepted: bochs_cpuid_ht_shift', out)

    def test_xsave_report_after_begin_fails(self):
        lines = log('quirk-6.1-bochs.log')
        b = block(lines, r'cut here', r'end trace')
        lines = [x for x in lines if x not in b]
        lines = insert_after(lines, 'vmxon-test: BEGIN', b)
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('splat: WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c', out)

    def test_second_xsave_report_in_a_boot_fails(self):
        lines = log('quirk-6.1-bochs.log')
        b = block(lines, r'cut here', r'end trace')
        lines = insert_after(lines, r'end trace', b)
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertIn('splat: WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate.c', out)

    def test_other_boot_warn_fails(self):
        lines = [x.replace('size 2432 != kernel_size 2688', 'size 2432 != kernel_size 2700')
                 for x in log('quirk-6.1-bochs.log')]
        p, f, s, out = judge(lines)
        self.assertGreaterEqual(f, 1, out)
        self.assertNotIn('accepted', out)

    def test_each_boot_may_have_it_once(self):
        # A reboot: the second boot's report, before its BEGIN, is accepted.
        lines = log('quirk-6.1-bochs.log')
        end = next(i for i, x in enumerate(lines) if 'vmxon-test: END' in x)
        lines = lines[:end] + lines[:end + 1]
        p, f, s, out = judge(lines)
        self.assertEqual(out.count('accepted: bochs_xsave_size'), 2, out)


class KtapResult(unittest.TextTestResult):
    """Prints each case as a KTAP line."""
    n = 0

    def _line(self, test, res, extra=''):
        KtapResult.n += 1
        name = test.id().rsplit('.', 1)[-1]
        print(f'    {res} {KtapResult.n} {name}{extra}', flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(test, 'ok')

    def addFailure(self, test, err):
        super().addFailure(test, err)
        for x in self._exc_info_to_string(err, test).splitlines():
            print(f'    # {x}')
        self._line(test, 'not ok')

    def addError(self, test, err):
        super().addError(test, err)
        for x in self._exc_info_to_string(err, test).splitlines():
            print(f'    # {x}')
        self._line(test, 'not ok')

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(test, 'ok', f' # SKIP {reason}')


def main():
    global KUNIT_PY
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == '--kunit-py':
        KUNIT_PY = args[1]
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    print('    KTAP version 1')
    print('    # Subtest: vmxon_judge')
    print(f'    1..{suite.countTestCases()}')
    runner = unittest.TextTestRunner(stream=open(os.devnull, 'w'), resultclass=KtapResult)
    res = runner.run(suite)
    print(f'{"ok" if res.wasSuccessful() else "not ok"} 1 vmxon_judge')
    return 0 if res.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest console log.

Reads the serial log of one boot and decides, independently of each other:
  - did the guest reach its BEGIN and END markers;
  - did the kernel splat anywhere (WARNING, BUG, Oops, lockdep, kmemleak...);
  - what the KTAP between the markers says, counted by this script's own
    parser and again by the kernel's kunit.py; the two must agree;
  - did every expected suite report, with as many cases as its plan says.

  - did what the guest said the kernel would log before the next boot
    (a line "vmxon-test: expect before the next boot: NAME TEXT") appear
    between that line and the next BEGIN marker; each is one more case.
  - with --canary (the canary boot, scripts/guest/canary.sh): did each
    kind of report in CANARIES appear, caught by the splat patterns, between
    its "vmxon-test: canary begin NAME" and "canary end NAME" marks; each is
    one more case, and a missing one is a failure.

A splat fails the run wherever it is, with two exceptions: the canary's
own reports, between their marks and only with --canary, and the known
emulator reports in QUIRKS, matched whole and only while a kernel boots
(before the first BEGIN marker after its "Linux version" line).

Prints a short report and, last, the line "totals: PASSED FAILED SKIPPED".
Any problem (missing marker, splat, parser disagreement, missing suite,
plan mismatch) counts as one failure on top of the failed cases.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

BEGIN = 'vmxon-test: BEGIN'
END = 'vmxon-test: END'
EXPECT_RE = re.compile(r'vmxon-test: expect before the next boot: (\S+) (.*)$')

SPLATS = [
    r'WARNING:', r'\bBUG:', r'\bOops\b', r'general protection fault',
    r'Kernel panic', r'Call Trace:', r'kernel BUG at',
    r'sleeping function called from invalid context',
    r'possible circular locking', r'possible recursive locking',
    r'inconsistent lock state', r'suspicious RCU usage',
    r'lockdep: ', r'turning off the locking correctness validator',
    r'kmemleak: .*suspected memory leak', r'unreferenced object',
    r'UBSAN:', r'KASAN:', r'stack-protector', r'double fault',
    r'unchecked MSR access', r'RIP: ',
]
SPLAT_RE = re.compile('|'.join(SPLATS))

# The canary's reports (scripts/canary/vmxon_canary.c): for each, a pattern
# that only that report prints. The line that matches it must also be a
# splat by SPLATS, else the judge is blind to that kind of report.
CANARIES = {
    'warn': r'WARNING: .* at \S*vmxon_canary\.c:\d+ canary_warn\b',
    'lockdep_assert': r'WARNING: .* at \S*vmxon_canary\.c:\d+ canary_lockdep_assert\b',
    'atomic_sleep': r'BUG: sleeping function called from invalid context at \S*vmxon_canary\.c:\d+',
    'kmemleak': r'kmemleak: \d+ new suspected memory leaks?\b',
    'lockdep_deadlock': r'WARNING: possible circular locking dependency detected',
}
# The sanitizer kernels' own reports, on their canary boots (--canary=VARIANT,
# the test kernel's variant): there, these must appear too, and those of
# VARIANT_WITHOUT are left out (the kasan kernel has no lockdep).
VARIANT_WITHOUT = {
    'kasan': ('lockdep_assert', 'lockdep_deadlock'),
}
VARIANT_CANARIES = {
    'kasan': {
        'kasan_oob': r'BUG: KASAN: slab-out-of-bounds in canary_kasan_oob\b',
        'ubsan_shift': r'UBSAN: shift-out-of-bounds in \S*vmxon_canary\.c:\d+',
    },
    'kcsan': {
        'kcsan_race': r'BUG: KCSAN: data-race in canary_race_step\b',
    },
}
CANARY_RE = re.compile(r'vmxon-test: canary (begin|end) (\S+)')

# Reports that are the emulator's, not the code under test: each a WARN
# block ("cut here" to "end trace") that must hold every one of its
# patterns, in a kernel's boot before the tests start.
QUIRKS = {
    # Bochs' CPUID for corei7_skylake_x gives an XSAVE area size that does
    # not match the sum of the features it reports; 6.1 (xstate.c:606) and
    # 6.12 (xstate.c:605) WARN once at boot.
    'bochs_xsave_size': [
        r'^XSAVE consistency problem: size 2432 != kernel_size 2688$',
        r'^WARNING: CPU: 0 PID: 0 at arch/x86/kernel/fpu/xstate\.c:60[56] '
        r'fpu__init_system_xstate\+',
    ],
    # Bochs' CPUID sets HT but counts fewer logical processors per package
    # (leaf 1, EBX[23:16]) than cores (leaf 4): 6.12's topology parser
    # WARNs once, in setup_arch(), before the kernel has even read ACPI.
    'bochs_cpuid_topology': [
        r'^WARNING: CPU: 0 PID: 0 at arch/x86/kernel/cpu/topology_common\.c:57 '
        r'parse_legacy\+',
        r'^RIP: 0010:parse_legacy\+',
        r'cpu_init_topology\+',
    ],
    # The same CPUID on 6.1's UBSAN kernel (the kasan variant): detect_ht()
    # finds index_msb -1, and flat_phys_pkg_id() shifts by it, once.
    'bochs_cpuid_ht_shift': [
        r'^UBSAN: shift-out-of-bounds in \S*arch/x86/kernel/apic/apic_flat_64\.c:101:',
        r'^shift exponent -1 is negative$',
        r'flat_phys_pkg_id\+',
        r'detect_ht\+',
    ],
}
CUT_RE = re.compile(r'^-+\[ cut here \]-+$')
END_TRACE_RE = re.compile(r'^---\[ end trace [0-9a-f]+ \]---$')
# The rule that opens and closes a UBSAN (or KASAN) report.
RULE_RE = re.compile(r'^={40,}$')
BOOT_RE = re.compile(r'Linux version \d+\.\d+')
TIMESTAMP_RE = re.compile(r'^\[\s*\d+\.\d+\] ?')
RESULT_RE = re.compile(r'^(\s*)(ok|not ok) (\d+)(?: -)? ?([^#]*?)\s*(#.*)?$')
PLAN_RE = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
# KUnit's count of a parameterised case's results, which have no plan.
TOTAL_RE = re.compile(r'^(\s*)# (\S+): pass:\d+ fail:\d+ skip:\d+ total:(\d+)$')
DOC_HEADER_RE = re.compile(r'^(KTAP version \d+|TAP version \d+|1\.\.\d+)\s*$')
KTAP_RE = re.compile(r'^\s*(KTAP version \d+|TAP version \d+|# Subtest: .*|'
                     r'1\.\.\d+|(not )?ok \d+.*|# .*)$')


def clean(line):
    line = line.rstrip('\r\n').replace('\r', '')
    return TIMESTAMP_RE.sub('', line)


class Node:
    def __init__(self, name, indent):
        self.name = name
        self.indent = indent
        self.plan = None
        self.total = None     # KUnit's "# NAME: ... total:N" line
        self.children = []
        self.result = None    # 'ok', 'not ok', 'skip'


def parse(lines):
    """Build the test tree from KTAP lines, by indentation.

    A result line is a leaf unless the KTAP line just before it (a result
    or a plan) is indented deeper: a parent's result follows its children.
    """
    root = Node('<root>', -4)
    stack = [root]        # open nodes, innermost last
    pending = []          # finished nodes at each indent, awaiting a parent
    prev_indent = None
    problems = []
    totals = {}           # (indent, name) -> total, for the result to come
    for line in lines:
        m = TOTAL_RE.match(line)
        if m:
            totals[(len(m.group(1)), m.group(2))] = int(m.group(3))
            continue
        m = PLAN_RE.match(line)
        if m:
            prev_indent = len(m.group(1))
            pending.append(('plan', prev_indent, int(m.group(2))))
            continue
        m = RESULT_RE.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        res = m.group(2)
        name = m.group(4).strip() or f'#{m.group(3)}'
        directive = (m.group(5) or '').strip()
        node = Node(name, indent)
        node.total = totals.pop((indent, name), None)
        if res == 'ok' and re.match(r'#\s*SKIP', directive, re.I):
            res = 'skip'
        node.result = res
        if prev_indent is not None and prev_indent > indent:
            # Parent: adopt the pending nodes and plan that are deeper.
            kids = []
            while pending and pending[-1][1] > indent:
                kids.append(pending.pop())
            kids.reverse()
            for k in kids:
                if k[0] == 'plan':
                    if k[1] == min(x[1] for x in kids):
                        node.plan = k[2]
                else:
                    if k[1] == min(x[1] for x in kids):
                        node.children.append(k[2])
                    else:
                        problems.append(f'{name}: stray result {k[2].name}')
        pending.append(('node', indent, node))
        prev_indent = indent
    for k in pending:
        if k[0] == 'node':
            root.children.append(k[2])
    return root, problems


def leaves(node):
    if not node.children:
        yield node
    for c in node.children:
        yield from leaves(c)


def check_plans(node, problems, path=''):
    for c in node.children:
        p = f'{path}.{c.name}' if path else c.name
        if c.plan is not None and c.plan != len(c.children):
            problems.append(f'{p}: plan 1..{c.plan} but {len(c.children)} results')
        if c.total is not None and c.total != len(c.children):
            problems.append(f'{p}: KUnit counted {c.total} results but '
                            f'{len(c.children)} are in the log')
        if c.children:
            kid_failed = any(k.result == 'not ok' for k in c.children)
            if kid_failed and c.result != 'not ok':
                problems.append(f'{p}: reported ok with a failed case')
        check_plans(c, problems, p)


def kunit_py_counts(kunit_py, doc):
    """Leaf counts according to the kernel's own parser."""
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, 'ktap.txt')
        out = os.path.join(d, 'ktap.json')
        with open(src, 'w') as f:
            f.write(doc)
        subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + out, src],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(out):
            return None
        with open(out) as f:
            tree = json.load(f)
    counts = {'PASS': 0, 'FAIL': 0, 'SKIP': 0, 'ERROR': 0}

    def walk(g):
        for t in g.get('test_cases', []):
            counts[t['status']] = counts.get(t['status'], 0) + 1
        for s in g.get('sub_groups', []):
            walk(s)
    walk(tree)
    return {'passed': counts['PASS'], 'skipped': counts['SKIP'],
            'failed': counts['FAIL'] + counts['ERROR']}


def known_quirks(lines):
    """The QUIRKS blocks of the log: [(name, (first, last line index))].

    A block is a WARN ("cut here" to "end trace") or a UBSAN report (from
    one rule of '=' to the next).

    Only a block that lies in a kernel's boot (after its "Linux version"
    line, before the next BEGIN marker) and holds all of a quirk's patterns
    counts; each quirk at most once per boot.
    """
    out = []
    booting = False
    seen = set()
    i = 0
    while i < len(lines):
        x = lines[i]
        if BOOT_RE.search(x):
            booting, seen = True, set()
        elif BEGIN in x:
            booting = False
        elif booting and (CUT_RE.match(x.strip()) or RULE_RE.match(x.strip())):
            end_re = END_TRACE_RE if CUT_RE.match(x.strip()) else RULE_RE
            j = next((k for k in range(i + 1, min(i + 200, len(lines)))
                      if end_re.match(lines[k].strip())), None)
            if j is not None and not any(BEGIN in y for y in lines[i:j]):
                block = [y.strip() for y in lines[i:j + 1]]
                for name, pats in QUIRKS.items():
                    if name not in seen and all(
                            any(re.search(p, y) for y in block) for p in pats):
                        seen.add(name)
                        out.append((name, (i, j)))
                        i = j
                        break
        i += 1
    return out


def canaries(lines, expected=CANARIES):
    """The canary windows of the log.

    Returns (names of the expected canaries detected, [(begin, end) line
    indexes], problems). A canary is detected when a line between its marks
    matches both its pattern in expected and SPLATS.
    """
    found, windows, problems = set(), [], []
    opened = {}
    for i, x in enumerate(lines):
        m = CANARY_RE.search(x)
        if not m:
            continue
        what, name = m.groups()
        if name not in expected:
            problems.append(f'canary {name}: not a known canary')
        elif what == 'begin':
            opened[name] = i
        elif name not in opened:
            problems.append(f'canary {name}: end without begin')
        else:
            a = opened.pop(name)
            windows.append((a, i))
            pat = re.compile(expected[name])
            hits = [y for y in lines[a:i] if pat.search(y)]
            if not hits:
                problems.append(f'canary {name}: its report is not in the log')
            elif not any(SPLAT_RE.search(y) for y in hits):
                problems.append(f'canary {name}: reported, but the splat '
                                f'patterns do not catch it: {hits[0].strip()}')
            else:
                found.add(name)
    for name in opened:
        problems.append(f'canary {name}: begin without end')
    for name in expected:
        if name not in found and not any(name in p for p in problems):
            problems.append(f'canary {name}: never provoked')
    return found, windows, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('log')
    ap.add_argument('--target', required=True)
    ap.add_argument('--expect', default='',
                    help='comma-separated suites that must report')
    ap.add_argument('--kunit-py', help="the kernel's tools/testing/kunit/kunit.py")
    ap.add_argument('--ktap-out', help='write the extracted KTAP here')
    ap.add_argument('--canary', nargs='?', const='', default=None,
                    metavar='VARIANT',
                    help='the canary boot: every CANARIES report must appear, '
                    'and those of VARIANT_CANARIES[VARIANT] on a variant kernel')
    args = ap.parse_args()

    with open(args.log, errors='replace') as f:
        lines = [clean(x) for x in f]

    problems = []
    begin = next((i for i, x in enumerate(lines) if BEGIN in x), None)
    end = next((i for i, x in enumerate(lines) if END in x), None)
    if begin is None:
        problems.append('no BEGIN marker: the guest never ran its scenarios')
    if end is None:
        problems.append('no END marker: the guest crashed, hung or timed out')

    excused = set()
    quirks = known_quirks(lines)
    for name, (a, b) in quirks:
        excused.update(range(a, b + 1))
        print(f'  {args.target}: known emulator report, accepted: {name} '
              f'(console lines {a + 1}-{b + 1})')
    canary_passed = 0
    if args.canary is not None:
        if args.canary and args.canary not in VARIANT_CANARIES:
            problems.append(f'--canary={args.canary}: no such kernel variant')
        expected = {k: v for k, v in CANARIES.items()
                    if k not in VARIANT_WITHOUT.get(args.canary, ())}
        expected.update(VARIANT_CANARIES.get(args.canary, {}))
        found, windows, cproblems = canaries(lines, expected)
        problems += cproblems
        for a, b in windows:
            excused.update(range(a, b + 1))
        for name in expected:
            print(f'  {args.target}: canary: {name}: '
                  f'{"detected" if name in found else "MISSED"}')
        canary_passed = len(found)

    splats = [x for i, x in enumerate(lines)
              if SPLAT_RE.search(x) and i not in excused]
    for s in splats[:10]:
        problems.append(f'splat: {s.strip()}')
    if len(splats) > 10:
        problems.append(f'... and {len(splats) - 10} more splat lines')

    body = lines[(begin or 0) + 1:end if end is not None else len(lines)]
    # Unindented document headers are the kernel's: from 6.12 on KUnit
    # prints "KTAP version 1" and "1..N" for each module's suites. The
    # suites of all modules and scripts form one document here, with a
    # header of its own (below), so those are dropped.
    ktap = [x for x in body if KTAP_RE.match(x) and not DOC_HEADER_RE.match(x)]
    root, perr = parse(ktap)
    problems += perr
    check_plans(root, problems)

    mine = {'passed': 0, 'failed': 0, 'skipped': 0}
    suites = [c for c in root.children]
    for leaf in leaves(root):
        if leaf is root:
            continue
        key = {'ok': 'passed', 'not ok': 'failed', 'skip': 'skipped'}[leaf.result]
        mine[key] += 1

    # Top-level results are suites from different modules and scripts:
    # number them in order so that kunit.py sees one well-formed document.
    n = 0
    doc = ['KTAP version 1', f'1..{len(suites)}']
    for x in ktap:
        m = RESULT_RE.match(x)
        if m and not m.group(1):
            n += 1
            x = f'{m.group(2)} {n} {m.group(4)}' + (f' {m.group(5)}' if m.group(5) else '')
        doc.append(x)
    doc = '\n'.join(doc) + '\n'
    if args.ktap_out:
        with open(args.ktap_out, 'w') as f:
            f.write(doc)

    if args.kunit_py and suites:
        theirs = kunit_py_counts(args.kunit_py, doc)
        if theirs is None:
            problems.append('kunit.py could not parse the KTAP')
        elif theirs != mine:
            problems.append(f'kunit.py counts {theirs} but this parser {mine}')

    # Expectations across a reboot, judged on the whole log.
    for i, x in enumerate(lines):
        m = EXPECT_RE.search(x)
        if not m:
            continue
        name, text = m.group(1), m.group(2).strip()
        nxt = next((j for j in range(i + 1, len(lines)) if BEGIN in lines[j]),
                   None)
        found = nxt is not None and any(text in y for y in lines[i + 1:nxt])
        print(f'  {args.target}: console: {name}: '
              f'{"passed" if found else "FAILED"}')
        if found:
            mine['passed'] += 1
        elif nxt is None:
            problems.append(f'{name}: no second boot after "{text}"')
        else:
            problems.append(f'{name}: "{text}" not logged before the next boot')

    names = [s.name for s in suites]
    for want in filter(None, args.expect.split(',')):
        if want not in names:
            problems.append(f'suite {want} did not report')

    for s in suites:
        cnt = {'ok': 0, 'not ok': 0, 'skip': 0}
        for leaf in leaves(s):
            cnt[leaf.result] += 1
        print(f'  {args.target}: {s.name}: {cnt["ok"]} passed, '
              f'{cnt["not ok"]} failed, {cnt["skip"]} skipped')
        for leaf in leaves(s):
            if leaf.result == 'not ok':
                print(f'    FAILED: {s.name}: {leaf.name}')
    for p in problems:
        print(f'  {args.target}: PROBLEM: {p}')
    mine['passed'] += canary_passed
    print(f'totals: {mine["passed"]} {mine["failed"] + len(problems)} '
          f'{mine["skipped"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the leaf results of a (nested) KTAP log.

kselftest's runner prefixes the output of each test program with "# ", and
KUnit indents subtests; a result line whose level saw its own child results
or plan is a summary of them and is not counted again, unless it failed
while none of its children did (a test that timed out or crashed midway):
that counts as one failure. Prints
"N passed, N failed, N skipped" and exits 1 if anything failed or nothing ran.
"""
import re
import sys

RESULT = re.compile(r'^(not ok|ok)\s+\d+\b(.*)$')
PLAN = re.compile(r'^(\d+)\.\.(\d+)')


def strip_level(line):
    level = 0
    while True:
        if line.startswith('# '):
            line = line[2:]
        elif line.startswith('    '):
            line = line[4:]
        else:
            return level, line
        level += 1


def count(lines):
    passed = failed = skipped = 0
    child_seen = {}
    # Leaf failures seen under the summary line pending at each level.
    child_failed = {}
    for raw in lines:
        level, line = strip_level(raw.rstrip('\n'))
        m = RESULT.match(line)
        if m:
            if child_seen.get(level):
                child_seen[level] = False
                if m.group(1) == 'not ok' and not child_failed.get(level):
                    failed += 1
                    for lv in range(level):
                        child_failed[lv] = True
                child_failed[level] = False
            else:
                rest = m.group(2)
                if re.search(r'#\s*SKIP', rest, re.I):
                    skipped += 1
                elif m.group(1) == 'ok':
                    passed += 1
                else:
                    failed += 1
                    for lv in range(level):
                        child_failed[lv] = True
            if level > 0:
                child_seen[level - 1] = True
            continue
        if (PLAN.match(line) or line.startswith('TAP version') or
                line.startswith('KTAP version')) and level > 0:
            child_seen[level - 1] = True
    return passed, failed, skipped


def main():
    with open(sys.argv[1], errors='replace') as f:
        passed, failed, skipped = count(f)
    print(f'{passed} passed, {failed} failed, {skipped} skipped')
    sys.exit(1 if failed or passed + skipped == 0 else 0)


if __name__ == '__main__':
    main()

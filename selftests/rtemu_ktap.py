# SPDX-License-Identifier: GPL-2.0
"""What the Python selftests share: `check`, and the KTAP runner (one socket
per test, a traceback as KTAP diagnostics for each failure, totals, exit
status)."""
import sys
import traceback


def check(condition, what=None):
    """Fails the test (AssertionError, with `what` when given) unless
    `condition` holds. The tests' `assert`: one that `python -O` and
    PYTHONOPTIMIZE do not remove."""
    if not condition:
        raise AssertionError() if what is None else AssertionError(what)


def run(tests, new_socket, cleanup=None):
    """Runs each `test(socket)` in `tests` and exits 0 only if all pass."""
    print('TAP version 13')
    print(f'1..{len(tests)}')
    failed = 0
    for i, fn in enumerate(tests, 1):
        y = new_socket()
        try:
            fn(y)
            print(f'ok {i} {fn.__name__}')
        except Exception:  # noqa: BLE001 - report any failure as KTAP
            failed += 1
            for line in traceback.format_exc().splitlines():
                print(f'# {line}')
            print(f'not ok {i} {fn.__name__}')
        finally:
            y.sock.close()
    if cleanup:
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - best effort after the results
            pass
    print(f'# Totals: pass:{len(tests) - failed} fail:{failed} xfail:0 xpass:0 skip:0 error:0')
    sys.exit(1 if failed else 0)

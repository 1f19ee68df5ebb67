"""Run every runnable variant through ``migrate-stt --verify``'s checks against the emulator.

    python -m tests.variants.run_all [--jobs 3] [--filter TEXT] [--ignore-known]

Prints one PASS/FAIL line per variant (with the checks that failed), then ``N passed, M failed``.
Exit status 1 when any variant failed; with ``--ignore-known``, only when one failed that
known_failures.txt does not list as ``verify``, or one it lists now passes.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Optional, Sequence

from tests.variants.support import (
    describe_failure,
    failed_checks,
    jobs_default,
    load_known_failures,
    runnable_variants,
    verify_variant,
)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.variants.run_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", "-j", type=int, default=jobs_default(), help="variants run at once (default 3)")
    parser.add_argument("--filter", "-k", action="append", default=[], help="only ids containing TEXT (repeatable)")
    parser.add_argument("--ignore-known", action="store_true", help="known failures do not fail the run")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per script run (default 60)")
    args = parser.parse_args(argv)

    # Started in the background (``cmd &`` without job control), a process inherits SIGINT as
    # ignored, and so would every script the harness runs: its Ctrl-C would never arrive.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    known = load_known_failures()
    variants = [v for v in runnable_variants() if not args.filter or any(text in v.id for text in args.filter)]
    print(f"{len(variants)} runnable variants, {args.jobs} at a time", flush=True)
    started = time.monotonic()
    passed = failed = unexpected = fixed = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(verify_variant, variant, args.timeout): variant for variant in variants}
        for future in as_completed(futures):
            variant = futures[future]
            reason = known.get((variant.id, "verify"))
            try:
                report = future.result()
                problem = describe_failure(report) if failed_checks(report) else ""
            except Exception as error:  # noqa: BLE001 - a crash is a failure to report
                problem = f"{type(error).__name__}: {error}"
            if problem:
                failed += 1
                unexpected += reason is None
                note = f"  (known: {reason})" if reason else ""
                print(f"FAIL  {variant.id}  {problem}{note}", flush=True)
            else:
                passed += 1
                fixed += reason is not None
                note = "  (listed in known_failures.txt: remove it)" if reason else ""
                print(f"PASS  {variant.id}{note}", flush=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    print(
        f"({failed - unexpected} known, {unexpected} not in known_failures.txt, {fixed} listed but passing; "
        f"{time.monotonic() - started:.0f} s)",
        flush=True,
    )
    if args.ignore_known:
        return 1 if unexpected or fixed else 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The idempotence fuzzer from the command line, for long runs.

    python -m tests.fuzz.run --count 2000 --seed 7            # counts, and each fault's input id
    python -m tests.fuzz.run --count 2000 --seed 7 --save DIR # also write each faulty input to DIR

It prints how many inputs parsed and the count of each fault (crash, unparsable,
not_idempotent, undefined_name, import_after_use, payload_changed), and exits 1 when any
count is not 0.
The same seed and count give the same inputs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from tests.fuzz.mutations import fuzz_inputs
from tests.fuzz.properties import FAULTS, run_checks


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000, help="how many inputs (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the mutations and generated modules")
    parser.add_argument(
        "--generated-share",
        type=float,
        default=0.2,
        help="the share of hypothesmith-generated modules among the inputs (default 0.2)",
    )
    parser.add_argument("--save", metavar="DIR", help="write each faulty input and its first output to DIR")
    parser.add_argument("--verbose", action="store_true", help="print each fault's detail")
    args = parser.parse_args(argv)

    started = time.monotonic()
    inputs = fuzz_inputs(args.seed, args.count, args.generated_share)
    made = time.monotonic()
    tally = run_checks(inputs)
    done = time.monotonic()

    for outcome in tally.faults():
        print(f"{outcome.status}: {outcome.fuzz_input.id}")
        if args.verbose:
            print("    " + outcome.detail.replace("\n", "\n    "))
    if args.save:
        directory = Path(args.save)
        directory.mkdir(parents=True, exist_ok=True)
        for number, outcome in enumerate(tally.faults()):
            stem = f"{number:04d}_{outcome.status}"
            (directory / f"{stem}.py").write_text(f"# {outcome.fuzz_input.id}\n{outcome.fuzz_input.source}")
            if outcome.output is not None:
                (directory / f"{stem}.out.py").write_text(outcome.output)
            (directory / f"{stem}.txt").write_text(outcome.detail)
    counts = tally.counts()
    print(" ".join(f"{name}={value}" for name, value in counts.items()))
    print(f"seed={args.seed} inputs made in {made - started:.1f}s, checked in {done - made:.1f}s", file=sys.stderr)
    return 1 if any(counts[fault] for fault in FAULTS) else 0


if __name__ == "__main__":
    sys.exit(main())

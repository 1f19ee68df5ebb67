"""The rewrite path's baseline: bare ``libcst.parse_module(source).code`` over every ``*.py``
under the given directories, in one process, writing nothing.

    python bench/parse_print.py DIR [DIR ...]
"""

from __future__ import annotations

import os
import sys

import libcst


def main(directories) -> int:
    files = 0
    for directory in directories:
        for root, dirs, names in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            for name in sorted(names):
                if name.endswith(".py"):
                    with open(os.path.join(root, name), "rb") as handle:
                        _ = libcst.parse_module(handle.read()).code
                    files += 1
    print(files)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

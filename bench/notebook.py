"""How long a notebook takes to migrate against a ``.py`` holding the same code.

The fixture notebooks under ``fixtures/notebooks/`` are their scripts (``fixtures/<style>/<case>/input.py``)
cut into cells; each pair is migrated in-process (best of ``--repeats``), and then end to end
with the CLI (``--check``, one process per file). Prints a table; writes nothing.

    .venv/bin/python bench/notebook.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [
    ("sdk_cells", "sdk/docs_microphone"),
    ("colab_websocket_client", "websocket_client/getting_started"),
    ("websockets_await", "websockets/tutorial"),
]


def best(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def cli_seconds(path: Path, repeats: int) -> float:
    command = [sys.executable, "-m", "migrator", "--check", str(path)]
    return best(lambda: subprocess.run(command, capture_output=True, check=False), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    arguments = parser.parse_args()

    from migrator.engine.core import migrate_source
    from migrator.notebooks import migrate_notebook

    # warm up: imports, rule tables, nbformat's schema
    migrate_notebook((ROOT / "fixtures/notebooks/sdk_cells/input.ipynb").read_bytes())
    print(f"{'case':<26} {'.py ms':>8} {'.ipynb ms':>10} {'ratio':>6}   {'CLI .py ms':>10} {'CLI .ipynb ms':>13}")
    for notebook_case, script_case in PAIRS:
        notebook = ROOT / "fixtures/notebooks" / notebook_case / "input.ipynb"
        script = ROOT / "fixtures" / script_case / "input.py"
        notebook_bytes, script_bytes = notebook.read_bytes(), script.read_bytes()
        py = best(partial(migrate_source, script_bytes, path=str(script)), arguments.repeats)
        nb = best(partial(migrate_notebook, notebook_bytes, path=str(notebook)), arguments.repeats)
        cli_py = cli_seconds(script, max(3, arguments.repeats // 5))
        cli_nb = cli_seconds(notebook, max(3, arguments.repeats // 5))
        print(
            f"{notebook_case:<26} {py * 1000:>8.1f} {nb * 1000:>10.1f} {nb / py:>5.2f}x   "
            f"{cli_py * 1000:>10.0f} {cli_nb * 1000:>13.0f}"
        )


if __name__ == "__main__":
    main()

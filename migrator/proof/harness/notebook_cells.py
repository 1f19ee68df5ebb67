"""Runs a notebook's code cells in order, the way a Jupyter kernel would, outside Jupyter.

``migrate-stt --verify`` writes a script made of this module's text followed by the cells
(:func:`migrator.notebooks.runnable_script`), and the harness runs that script like any other.
Each cell is compiled on its own, so top-level ``await`` works: a cell that awaits runs on one
event loop kept for the whole notebook, and Ctrl-C cancels it (its ``finally`` blocks run), as
``asyncio.run`` does. A ``KeyboardInterrupt`` that ends a cell stops the run quietly, as
interrupting the kernel does; any other exception prints its traceback and exits 1, as
executing the notebook with nbconvert would. ``input()`` and ``getpass()`` are fed (the API key
from the environment when the prompt asks for a key, else an empty line), and
``IPython.display`` is a stand-in whose ``display()`` prints.

Standard library only; must run on Python 3.9+.
"""

import ast
import asyncio
import builtins
import getpass
import inspect
import os
import signal
import sys
import traceback
import types


def fed_input(prompt=""):
    """What a notebook's ``input()`` reads: the key when it asks for one, else an empty line."""
    sys.stdout.write(str(prompt))
    sys.stdout.flush()
    if "key" in str(prompt).lower():
        return os.environ.get("ASSEMBLYAI_API_KEY", "")
    return ""


def display(*objects, **_options):
    for item in objects:
        print(item)


def _stand_in_ipython():
    """``IPython`` and ``IPython.display`` with harmless display calls."""
    ipython = types.ModuleType("IPython")
    shown = types.ModuleType("IPython.display")

    class Shown:
        def __init__(self, data=None, *args, **kwargs):
            self.data = data

        def __str__(self):
            return "" if self.data is None else str(self.data)

    for name in ("Audio", "HTML", "Markdown", "Javascript", "Image", "JSON", "Pretty"):
        setattr(shown, name, type(name, (Shown,), {}))
    shown.display = display
    shown.clear_output = lambda wait=False: None
    shown.update_display = lambda *objects, **options: None
    ipython.display = shown
    ipython.get_ipython = lambda: None
    sys.modules["IPython"] = ipython
    sys.modules["IPython.display"] = shown


def _run_awaitable(loop, awaitable):
    """Run a cell that awaits; the first Ctrl-C cancels it and then ends the run."""
    task = loop.create_task(awaitable)
    interrupted = []

    def on_sigint(signum, frame):
        if interrupted or task.done():
            raise KeyboardInterrupt
        interrupted.append(signum)
        loop.call_soon_threadsafe(task.cancel)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        return loop.run_until_complete(task)
    except asyncio.CancelledError:
        if interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, previous)


def run_cells(cells):
    """Run (label, code) pairs in one namespace; exit 0 when they all ran or Ctrl-C ended
    one, 1 when one raised."""
    builtins.input = fed_input
    getpass.getpass = lambda prompt="Password: ", stream=None: fed_input(prompt)
    _stand_in_ipython()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "display": display}
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for label, code in cells:
        try:
            compiled = compile(code, f"<{label}>", "exec", flags, dont_inherit=True)
            if compiled.co_flags & inspect.CO_COROUTINE:
                _run_awaitable(loop, eval(compiled, namespace))
            else:
                exec(compiled, namespace)
        except KeyboardInterrupt:
            print(f"KeyboardInterrupt in {label}: the kernel would stop here", file=sys.stderr)
            break
        except SystemExit:
            raise
        except BaseException:
            traceback.print_exc()
            sys.exit(1)
    sys.stdout.flush()

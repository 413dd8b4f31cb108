"""How one step of a sweep's variant runs: tools/train.py or tools/test.py, in the sweep's own
process (``--parallel 1``) or as a process of its own (``--parallel N``), its output into the
variant's sweep.log. Both return the tool's exit status, so a failure stays the variant's."""
import contextlib
import importlib
import logging
import os
import shlex
import subprocess
import sys
import threading
import traceback
from pathlib import Path

STEPS = {'train': 'vlrkit.tools.train', 'test': 'vlrkit.tools.test'}


def release_run_logger():
    """Close the handlers a Runner put on the 'vlrkit' logger (its run.log, the redirected console),
    so an in-process run leaves no open file behind; the next Runner installs its own."""
    logger = logging.getLogger('vlrkit')
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def run_in_process(step, argv, log):
    """Run the tool's ``main(argv)`` here, its output into ``log``; returns its exit status.

    One variant after another in the sweep's own process spares each one the seconds of starting
    Python and importing torch. A failure, user error or bug, is the variant's, not the sweep's.
    """
    main = importlib.import_module(STEPS[step]).main
    with open(log, 'a') as out, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        print(f'$ python -m {STEPS[step]} {shlex.join(argv)}', flush=True)
        try:
            main(argv)
            return 0
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except Exception:
            traceback.print_exc()
            return 1
        finally:
            release_run_logger()


class Subprocesses:
    """Run each step as ``python -m vlrkit.tools.train ...``, for --parallel N > 1."""

    def __init__(self, parallel):
        self.running, self.lock = set(), threading.Lock()
        package_parent = str(Path(__file__).resolve().parents[2])   # the children import this vlrkit
        self.env = dict(os.environ, PYTHONUNBUFFERED='1',
                        PYTHONPATH=os.pathsep.join(filter(None, [package_parent, os.environ.get('PYTHONPATH')])))
        # N trainings on the same cores: each gets its share of threads instead of all of them.
        self.env.setdefault('OMP_NUM_THREADS', str(max(1, (os.cpu_count() or 1) // parallel)))

    def __call__(self, step, argv, log):
        command = [sys.executable, '-m', STEPS[step], *argv]
        with open(log, 'a') as out:
            out.write(f'$ {shlex.join(command)}\n')
            out.flush()
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=self.env)
            with self.lock:
                self.running.add(process)
            try:
                return process.wait()
            finally:
                with self.lock:
                    self.running.discard(process)

    def stop(self):
        with self.lock:
            for process in self.running:
                process.terminate()


def warn_parallel(parallel):
    import torch   # imported here: the sweep's planning needs no torch
    if torch.cuda.is_available():
        return
    cores = os.cpu_count() or 1
    print(f'vlrkit: warning: --parallel {parallel} on a CPU with {cores} cores: the {parallel} '
          f'trainings share the cores ({max(1, cores // parallel)} thread(s) each), so each runs '
          f'several times slower; on a 2-core machine the sweep as a whole is rarely faster than '
          f'with --parallel 1', file=sys.stderr, flush=True)

"""Run a named benchmark from tools/benchmarks/: ``python tools/benchmark.py NAME [args]``.

Each benchmark compares vlrkit with a peer in the same run and prints ratios; docs/benchmarks.md
records the numbers measured and the commands.
"""
import importlib.util
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent / 'benchmarks'
sys.path.insert(0, str(BENCHMARKS.parents[1]))  # run from a checkout without installing


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    available = sorted(p.stem for p in BENCHMARKS.glob('*.py') if not p.stem.startswith('_'))
    if not argv or argv[0] not in available:
        print(f'usage: tools/benchmark.py NAME [args]; NAME is one of: {", ".join(available)}')
        sys.exit(0 if not argv else 2)
    spec = importlib.util.spec_from_file_location(argv[0], BENCHMARKS / f'{argv[0]}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(argv[1:])


if __name__ == '__main__':
    main()

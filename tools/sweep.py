"""``python tools/sweep.py ...``, the same as ``vlrkit-sweep ...``: see vlrkit/tools/sweep.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.tools.sweep import main  # noqa: E402

if __name__ == '__main__':
    main()

"""``python tools/analyze.py ...``, the same as ``vlrkit-analyze ...``: see vlrkit/tools/analyze.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.tools.analyze import main  # noqa: E402

if __name__ == '__main__':
    main()

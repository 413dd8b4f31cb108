"""``python tools/train.py ...``, the same as ``vlrkit-train ...``: see vlrkit/tools/train.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.tools.train import main  # noqa: E402

if __name__ == '__main__':
    main()

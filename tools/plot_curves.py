"""``python tools/plot_curves.py ...``, the same as ``vlrkit-plot-curves ...``: see vlrkit/tools/plot_curves.py."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from vlrkit.tools.plot_curves import main  # noqa: E402

if __name__ == '__main__':
    main()

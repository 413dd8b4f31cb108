"""The command-line tools, importable so that ``pip install .`` gives them as console scripts.

Each module has a ``main(argv=None)``: ``vlrkit-train`` is ``vlrkit.tools.train:main`` (setup.py),
and ``tools/train.py`` in a clone is a shim that calls the same function.
"""

"""docs/reliability.md names a test for each promise: every one it names must exist, so the page
cannot keep a promise whose test was renamed or deleted."""
import re

from helpers import REPO

PAGE = REPO / 'docs' / 'reliability.md'


def named_tests():
    """``(file, test)`` for each `file::test` and each `::test` (same file as the one before it)."""
    current = None
    for path, name in re.findall(r'`([\w/]+\.py)?::(\w+)`', PAGE.read_text()):
        current = path or current
        yield current, name


def test_every_test_the_reliability_page_names_exists():
    named = list(named_tests())
    assert len(named) > 30
    missing = [f'{path}::{name}' for path, name in named
               if not re.search(rf'^\s*def {name}\(', (REPO / 'tests' / path).read_text(), re.M)]
    assert not missing, missing

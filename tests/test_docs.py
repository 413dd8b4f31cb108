"""Every ```python block in docs/ runs, so the documentation cannot rot.

Blocks of one page run in order in one namespace, in a fresh temporary directory that holds
symlinks to the repository's ``configs`` and ``tools``; the ```bash blocks' commands run in
test_docs_commands.py.
"""
import re

import pytest

from helpers import REPO

PAGES = sorted((REPO / 'docs').rglob('*.md'))
BLOCK = re.compile(r'^```python\n(.*?)^```', re.S | re.M)


def python_blocks(page):
    return BLOCK.findall(page.read_text())


@pytest.mark.parametrize('page', [p for p in PAGES if python_blocks(p)],
                         ids=lambda p: str(p.relative_to(REPO / 'docs')))
def test_doc_page_code_runs(page, tmp_path, monkeypatch):
    for name in ('configs', 'tools'):
        (tmp_path / name).symlink_to(REPO / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace = {'__name__': f'doc_{page.stem}'}
    for index, code in enumerate(python_blocks(page)):
        try:
            exec(compile(code, f'{page.name}[block {index}]', 'exec'), namespace)
        except Exception as err:
            raise AssertionError(f'{page.relative_to(REPO)} block {index} failed: {err!r}') from err


def test_every_extension_point_has_an_executed_page():
    executed = {p.stem for p in PAGES if python_blocks(p)}
    for page in ('customize_model', 'customize_hook', 'customize_evaluator', 'config'):
        assert page in executed, f'docs/{page}.md must show runnable code'

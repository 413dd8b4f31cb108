"""The shell commands of the docs' ```bash blocks, split as a POSIX shell splits them, and run.

A reader copies a block line by line into a shell; the docs tests do the same: `\\` continuations
are joined, comments dropped, `&&` and `;` separate commands, leading `NAME=value` words are the
command's environment, and an unquoted word with `*`, `?` or `[` is replaced by the files it
matches (left as written when none does, as bash does). Anything else a shell would interpret
(pipes, redirections, `||`, background `&`) is refused, so a doc that needs it is noticed.
"""
import glob
import os
import re
import runpy
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

SHELL_BLOCK = re.compile(r'^```(?:bash|shell|sh|console)[ \t]*\n(.*?)^```', re.S | re.M)
ENV_ASSIGNMENT = re.compile(r'[A-Za-z_][A-Za-z0-9_]*=')
SEPARATORS = ('&&', ';')
GLOB_CHARS = ('*', '?', '[')


@dataclass(frozen=True)
class DocCommand:
    """One command of a docs page: ``text`` is how the tests name it (words joined by spaces)."""

    page: str
    line: int
    env: dict = field(hash=False)
    words: tuple
    quoted: tuple = field(repr=False)   # per word: was it quoted (so never a file pattern)

    @property
    def text(self):
        return ' '.join([f'{k}={v}' for k, v in self.env.items()] + list(self.words))

    @property
    def tool(self):
        """``tools/x.py`` for ``python tools/x.py ...`` and ``vlrkit-x ...``; None for other programs."""
        program = self.words[0]
        if program.startswith('vlrkit-'):
            return f"tools/{program[len('vlrkit-'):]}.py"
        if program == 'python' and len(self.words) > 1 and re.fullmatch(r'tools/\w+\.py', self.words[1]):
            return self.words[1]
        return None

    @property
    def tool_args(self):
        return list(self.words[1 if self.words[0].startswith('vlrkit-') else 2:])

    def expanded_args(self, cwd):
        """The tool's arguments after the shell's file-pattern expansion in ``cwd``."""
        offset = len(self.words) - len(self.tool_args)
        args = []
        for word, quoted in zip(self.tool_args, self.quoted[offset:]):
            matches = [] if quoted or not any(c in word for c in GLOB_CHARS) else sorted(
                os.path.relpath(m, cwd) for m in glob.glob(os.path.join(cwd, word)))
            args.extend(matches or [word])
        return args


def shell_commands(page_text, page=''):
    """Every command of every ```bash / ```shell block of a page, in page order."""
    commands = []
    for block in SHELL_BLOCK.finditer(page_text):
        first_line = page_text.count('\n', 0, block.start(1)) + 1
        commands.extend(block_commands(block.group(1), page, first_line))
    return commands


def logical_lines(block, first_line):
    """(line number, text) per shell line, with `\\`-continued lines joined."""
    pending, start = '', None
    for number, line in enumerate(block.splitlines(), first_line):
        start = number if start is None else start
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        yield start, pending + line
        pending, start = '', None
    if pending:
        yield start, pending


def block_commands(block, page, first_line):
    commands = []
    for number, line in logical_lines(block, first_line):
        lexer = shlex.shlex(line, posix=False, punctuation_chars=True)
        lexer.whitespace_split = True
        raw_words = list(lexer)
        for raw in split_on(raw_words, page, number):
            commands.append(parse_command(raw, page, number))
    return commands


def split_on(raw_words, page, line):
    command = []
    for raw in raw_words:
        if raw in SEPARATORS:
            if command:
                yield command
            command = []
        elif raw and all(c in '&|<>()' for c in raw):
            raise ValueError(f'{page}:{line}: the docs tests run no shell syntax {raw!r}; '
                             f'write one command per line or chain them with &&')
        else:
            command.append(raw)
    if command:
        yield command


def parse_command(raw_words, page, line):
    env = {}
    while len(raw_words) > 1 and ENV_ASSIGNMENT.match(raw_words[0]):
        name, value = raw_words[0].split('=', 1)
        env[name] = shlex.split(value)[0] if value else ''
        raw_words = raw_words[1:]
    words = tuple(shlex.split(raw)[0] for raw in raw_words)
    quoted = tuple(any(q in raw for q in '"\'') for raw in raw_words)
    return DocCommand(page, line, env, words, quoted)


def run_tool_in_process(tool, args, env, cwd, monkeypatch):
    """Run ``python <tool> <args>`` in this interpreter, as ``__main__``, from ``cwd``.

    In-process because importing torch costs seconds per command; the tool sees the argv, the
    working directory and the environment a shell would give it (``PYTHONPATH`` entries go on
    sys.path too). Returns the exit status.
    """
    with monkeypatch.context() as patch:
        patch.chdir(cwd)
        patch.setattr(sys, 'argv', [tool, *args])
        patch.setattr(sys, 'path', list(sys.path))
        for name, value in env.items():
            patch.setenv(name, value)
        for entry in reversed(env.get('PYTHONPATH', '').split(os.pathsep)):
            if entry:
                sys.path.insert(0, str(Path(cwd, entry).resolve()))
        try:
            runpy.run_path(str(Path(cwd, tool)), run_name='__main__')
        except SystemExit as stop:
            return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0

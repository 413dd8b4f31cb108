"""What a run owns in its work_dir: one run at a time, no leftovers of killed saves, and a
one-line error when the folder cannot be written.

Two runs started into one work_dir used to both exit 0 with their checkpoints, ``best_*`` files and
logs interleaved. ``WorkDirLock`` takes an exclusive ``fcntl.flock`` on ``work_dir/.vlrkit.lock``
for as long as a Runner works there. flock, not a "PID file exists" check, because the kernel
releases it when the holder dies, also by ``kill -9`` or a power cut of a node: a stale lock file
never blocks the next run, and no guess about whether a PID is still alive is needed. The file
keeps the holder's PID, host and start time for the refusal message; it is never deleted (deleting
a locked file would let a third run lock a fresh inode while the second still holds the old one).
Without ``fcntl`` (Windows) there is no lock.
"""
import contextlib
import errno
import functools
import os
import socket
import sys
import time
from pathlib import Path

from ..errors import UserError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK_NAME = '.vlrkit.lock'

# OS errors that only a write raises (read-only file system, no space, quota exceeded), and those
# that a write into the work_dir raises where the folder is not the user's (permission).
FULL_OR_READ_ONLY = (errno.EROFS, errno.ENOSPC, errno.EDQUOT)
NOT_PERMITTED = (errno.EACCES, errno.EPERM)

# This process's locks (resolved lock path -> [fd, count]): a second Runner on the same work_dir
# in the same process (a test, a notebook) shares the lock instead of refusing itself.
_HELD = {}


class WorkDirLockedError(UserError, RuntimeError):
    """Another live run holds the work_dir; the message names its PID and host."""


class WorkDirWriteError(UserError, OSError):
    """The work_dir (or a file in it) cannot be written: read-only, full, or not permitted."""


class WorkDirLock:
    """An exclusive lock on ``work_dir`` for this process; ``acquire`` then ``release``."""

    def __init__(self, work_dir):
        self.work_dir = Path(work_dir)
        self.path = self.work_dir / LOCK_NAME
        self.held = False

    def acquire(self):
        """Take the lock; return None, or the holder's description where another process has it."""
        if fcntl is None or self.held:
            return None
        key = str(self.path.resolve())
        if key in _HELD:
            _HELD[key][1] += 1
            self.held = True
            return None
        # No O_TRUNC: a refused run must not wipe the holder's description before reading it.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode(errors='replace').strip()
            os.close(fd)
            return holder or 'a process that has not yet written its PID'
        os.ftruncate(fd, 0)
        os.write(fd, (f'PID {os.getpid()} on host {socket.gethostname()}, started '
                      f'{time.strftime("%Y-%m-%d %H:%M:%S")}: {" ".join(sys.argv)}\n').encode())
        _HELD[key] = [fd, 1]
        self.held = True
        return None

    def release(self):
        """Give the lock up (idempotent); closing the last descriptor is what frees the flock."""
        if not self.held:
            return
        self.held = False
        key = str(self.path.resolve())
        _HELD[key][1] -= 1
        if _HELD[key][1] == 0:
            os.close(_HELD.pop(key)[0])


def locked_error(work_dir, holder):
    return WorkDirLockedError(
        f'{work_dir} is in use by another run ({holder}); nothing of it was touched. Wait for that '
        f'run to end, or choose another --work-dir. (A killed run frees the lock at once: its '
        f'process is gone.)')


def remove_stale_temporaries(work_dir):
    """Delete the hidden ``.NAME.tmp-PID`` files of saves that were killed half-way (checkpoint.py's
    atomic writes) and return their names. Called with the work_dir locked, so no other live run
    writes here: every temporary file but this process's own is a leftover."""
    mine = f'.tmp-{os.getpid()}'
    stale = [p for p in Path(work_dir).glob('.*.tmp-*')
             if p.is_file() and p.name.rpartition('.tmp-')[2].isdigit() and not p.name.endswith(mine)]
    for path in stale:
        path.unlink(missing_ok=True)
    return sorted(p.name for p in stale)


def write_error(err, where):
    """One line for an OS error writing ``where``: the path, the OS's words, and what survives."""
    return WorkDirWriteError(
        f'cannot write {where}: {err.strerror or err} (errno {errno.errorcode.get(err.errno, err.errno)}). '
        f'Files written before are intact; free space or choose a writable --work-dir (a run '
        f'stopped by this continues with --resume)')


def is_write_failure(err, work_dir):
    """A full or read-only disk anywhere, or a permission refused inside ``work_dir`` (a permission
    refused on a data file is the dataset's error, not this one)."""
    if err.errno in FULL_OR_READ_ONLY:
        return True
    if err.errno not in NOT_PERMITTED or not err.filename:
        return False
    where, work_dir = Path(os.path.abspath(err.filename)), Path(os.path.abspath(work_dir))
    return where == work_dir or work_dir in where.parents


def write_failure_in(err, work_dir):
    """The write failure that ``err`` is or was raised from (its ``__cause__``/``__context__``
    chain), or None."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, OSError) and is_write_failure(err, work_dir):
            return err
        err = err.__cause__ or err.__context__
    return None


@contextlib.contextmanager
def one_line_write_errors(work_dir):
    """Turn a write failure (``is_write_failure``) raised inside into a ``WorkDirWriteError``
    naming the file (or ``work_dir`` where the OS did not say which): the CLI prints it as one line
    instead of a traceback of 20-30 lines with the cause at its bottom. Other OS errors stay bugs."""
    try:
        yield
    except UserError:
        raise
    except Exception as err:
        cause = write_failure_in(err, work_dir)
        if cause is None:
            raise
        raise write_error(cause, cause.filename or work_dir) from err


def run_in_work_dir(method):
    """For ``Runner.train``/``test``: write failures as one line, and the work_dir lock given up
    when the run ends, however it ends."""
    @functools.wraps(method)
    def wrapper(runner, *args, **kwargs):
        try:
            with one_line_write_errors(runner.work_dir):
                return method(runner, *args, **kwargs)
        finally:
            runner.work_dir_lock.release()
    return wrapper

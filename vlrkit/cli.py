"""What every command-line tool shares: common arguments and one-line errors for user mistakes.

A user who mistyped a config key or pointed at a missing dataset wants one sentence naming the file
and the fix, not a 40-line traceback; a genuine bug still shows its traceback. Set VLRKIT_DEBUG=1
to see tracebacks for user errors too.
"""
import argparse
import contextlib
import os
import signal
import sys

from . import dist
from .config import load_config, parse_cfg_options
from .errors import UserError

# Errors whose message is for the user: vlrkit's own UserError family, and a missing file (a data
# root, a weights file), which a user fixes by putting the file where the message says. Any other
# exception -- a KeyError or TypeError in vlrkit or in a user's component -- is a bug and keeps its
# traceback.
USER_ERRORS = (UserError, FileNotFoundError)


def add_config_arguments(parser):
    parser.add_argument('config', help='config file, e.g. configs/fcos/fcos_r18_fpn_demo.py')
    parser.add_argument('--work-dir', help='where logs and checkpoints go (default work_dirs/<config name>)')
    parser.add_argument('--cfg-options', nargs='+', action='extend', default=[], metavar='KEY=VALUE',
                        help='override config keys, e.g. train_cfg.max_iters=100 model.head.num_classes=5 '
                             '"test_evaluator=[dict(type=\'Accuracy\')]"')
    return parser


def load_cli_config(args):
    cfg = load_config(args.config, cfg_options=parse_cfg_options(args.cfg_options))
    if getattr(args, 'work_dir', None):
        cfg.work_dir = args.work_dir
    return cfg


@contextlib.contextmanager
def friendly_errors():
    """Turn user errors into ``vlrkit: error: ...`` on stderr and exit status 2; leave DDP cleanly.

    Under torchrun every rank leaves the process group together (``dist.leave_process_group``).
    A user error that every rank raised at once on a decision rank 0 broadcast
    (``dist.on_every_rank``: the work_dir refusal) is printed by rank 0 alone, and every rank exits
    with status 2 after it. torchrun sends SIGTERM to the other ranks as soon as one exits with an
    error, which used to cut rank 0 off before its message; so rank 0 prints before a barrier,
    and from that barrier on, where all that is left is leaving, a rank ignores SIGTERM and finishes
    leaving itself (torchrun waits for it) instead of being listed as killed.
    """
    try:
        yield
    except USER_ERRORS as err:
        if os.environ.get('VLRKIT_DEBUG'):
            raise
        every_rank = dist.raised_on_every_rank(err) and dist.is_distributed()
        if dist.is_main_process() or not every_rank:
            message = err.args[0] if err.args else str(err)   # a KeyError's str() adds quotes
            print(f'vlrkit: error: {type(err).__name__}: {message}', file=sys.stderr, flush=True)
        if every_rank:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        dist.leave_process_group(together=every_rank)
        sys.exit(2)
    except BaseException:
        dist.leave_process_group(together=False)
        raise
    dist.leave_process_group(together=True)


def parser(description):
    return argparse.ArgumentParser(description=description)

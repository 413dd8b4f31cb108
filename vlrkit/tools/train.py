"""Train a model from a config: ``vlrkit-train configs/fcos/fcos_r18_fpn_demo.py`` (or
``vlrkit::fcos/fcos_r18_fpn_demo.py``, the copy installed with vlrkit); ``python tools/train.py``
in a clone is the same command."""
from vlrkit.cli import add_config_arguments, friendly_errors, load_cli_config, parser
from vlrkit.engine.runner import LAUNCHERS, WORK_DIR_EXISTS, Runner


def main(argv=None):
    p = add_config_arguments(parser(__doc__))
    p.add_argument('--amp', action='store_true', help="mixed precision (bf16, or the config's amp)")
    p.add_argument('--resume', nargs='?', const=True, default=False, metavar='PATH',
                   help='resume from PATH, or with no PATH from the latest checkpoint in work_dir '
                        '(a fresh run, with a warning, where there is none)')
    p.add_argument('--work-dir-exists', choices=WORK_DIR_EXISTS,
                   help='a fresh run into a work_dir holding checkpoints: error (default), timestamp '
                        '(write to a new time-named sub-folder) or overwrite (delete the old ones)')
    p.add_argument('--launcher', choices=LAUNCHERS, default='none',
                   help="'pytorch' when started by torchrun (tools/dist_train.sh)")
    args = p.parse_args(argv)
    with friendly_errors():
        cfg = load_cli_config(args)
        if args.amp:
            cfg.amp = cfg.get('amp') or 'bf16'
        if args.resume:
            cfg.resume = args.resume
        if args.work_dir_exists:
            cfg.work_dir_exists = args.work_dir_exists
        cfg.launcher = args.launcher
        Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    main()

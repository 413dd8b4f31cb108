# Runtime settings every config inherits: hooks, environment, AMP, checkpoints.
# default_hooks is the one list of the hooks every run gets (the Runner adds none of its own);
# a config changes one by name, e.g. checkpoint=dict(max_keep_ckpts=1), or drops it with name=None.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),           # console / run.log / log.jsonl
    tensorboard=dict(type='TensorBoardHook', interval=10),  # work_dir/tensorboard
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    nan_guard=dict(type='NaNGuardHook'),
)
custom_hooks = []
env_cfg = dict(
    device='auto',          # 'auto' = CUDA when available, else CPU; or 'cpu', 'cuda', 'cuda:1'
    seed=0,
    deterministic=False,
    cudnn_benchmark=False,  # True: cuDNN picks the fastest kernels per input shape (fixed-size inputs)
    channels_last=False,
    compile=False,          # torch.compile the training loss forward
)
amp = None                  # None, 'bf16' (CPU or GPU) or 'fp16' (CUDA, with a GradScaler)
launcher = 'none'           # 'pytorch' under torchrun (tools/dist_train.sh sets it)
work_dir = None             # default: work_dirs/<config name>
load_from = None            # weights-only start from a vlrkit checkpoint
resume = False              # True: latest checkpoint in work_dir; or a path

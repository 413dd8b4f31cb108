"""Base class of every evaluator: collect per-image results, gather across ranks, compute.

Subclasses append exactly one entry per image to ``self.results`` in ``process`` (numpy / python
objects, never CUDA tensors), and turn the full list into numbers in ``compute_metrics``. Under DDP
``compute`` gathers the ranks' lists in sampler order and drops the DistributedSampler's padding,
so every rank sees the same results as a single process would.
"""
import torch.distributed as dist

from vlrkit.dist import get_world_size


class BaseMetric:
    """``process(batch, preds)`` per batch, then ``compute(size)`` once per evaluation.

    The Runner sets ``work_dir`` (a pathlib.Path where figures and tables may be written),
    ``writer`` (a TensorBoard SummaryWriter on rank 0, else None), ``step`` (the global iteration)
    and ``class_names`` (the dataset's classes) before ``compute``.
    """

    #: Prefix of every key in the returned dict, e.g. ``accuracy/top1``.
    default_prefix = None

    def __init__(self, prefix=None):
        self.prefix = prefix or self.default_prefix
        self.results = []
        self.work_dir = None
        self.writer = None
        self.step = 0
        self.class_names = None

    def process(self, batch, preds):
        raise NotImplementedError(f'{type(self).__name__} must implement process(batch, preds)')

    def compute_metrics(self, results):
        raise NotImplementedError(f'{type(self).__name__} must implement compute_metrics(results)')

    def compute(self, size=None):
        """Gather results from all ranks, keep the first ``size`` (the dataset length), compute."""
        results = gather_in_sampler_order(self.results, size)
        self.results = []
        metrics = self.compute_metrics(results)
        if self.prefix:
            metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
        return metrics


def gather_in_sampler_order(results, size=None):
    """All ranks' per-image results in dataset order, padding dropped.

    DistributedSampler(shuffle=False) gives rank ``r`` the indices ``r, r + W, r + 2W, ...`` and
    pads the tail by repeating the first indices; interleaving the ranks' lists restores the order.
    """
    if get_world_size() == 1:
        return results[:size] if size is not None else results
    parts = [None] * get_world_size()
    dist.all_gather_object(parts, results)
    ordered = [item for group in zip(*parts) for item in group]
    return ordered[:size] if size is not None else ordered

"""Base class of every evaluator: collect per-image results, compute on rank 0, broadcast.

The contract, in the order a run uses it:

1. ``process(batch, preds)`` appends exactly one entry per image to ``self.results`` (numpy /
   python objects, never CUDA tensors). It runs on every rank, on that rank's share of the data.
2. ``set_context(EvalContext(...))``: whoever runs the evaluator (the Runner, tools/analyze.py, a
   test) hands over, in this one call, what the evaluation needs to know about the run.
3. ``compute(size)`` gathers the ranks' lists on rank 0 in sampler order, dropping the
   DistributedSampler's padding, runs ``compute_metrics(results)`` there only and broadcasts the
   returned dict, so every rank returns the same numbers a single process would. Because
   ``compute_metrics`` runs in exactly one process, every file, figure and TensorBoard image it
   writes is written once, by rank 0 (mmengine's ``BaseMetric.evaluate`` rule).

Keys: ``compute`` prefixes every key with ``<prefix>/``. A value of one class is named
``<prefix>/<quantity>/<class name>`` (``voc/AP/car``, ``multilabel/AP/dog``, ``loc/corloc/cat``):
build them with :func:`per_class`. Headline keys have one ``/``, per-class keys two, which is how
the training curves tell them apart.

Outputs: ``add_figure`` and ``add_table`` write ``<work_dir>/analysis/<prefix>_<name>.png|csv``
(figures also to TensorBoard) and list them in ``self.artifacts`` for the HTML report of
tools/analyze.py; ``output_path`` places any other file (exports, per-class tables) in the
work_dir.
"""
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

import torch.distributed as dist

from vlrkit.dist import get_rank, get_world_size
from vlrkit.visualization.figures import read_png, save_figure


@dataclass(frozen=True)
class EvalContext:
    """What an evaluator knows about the run it evaluates, handed over by ``set_context``.

    ``work_dir``: where files go (None: the current folder). ``writer``: a TensorBoard
    SummaryWriter on rank 0, None elsewhere or without TensorBoard. ``step``: the global iteration
    the numbers belong to. ``class_names``: the dataset's classes, None when unknown.
    ``rank`` / ``world_size``: this process among the DDP ranks; by default the ones of the
    current process group.
    """

    work_dir: Optional[Path] = None
    writer: Any = None
    step: int = 0
    class_names: Optional[Sequence[str]] = None
    rank: int = field(default_factory=get_rank)
    world_size: int = field(default_factory=get_world_size)

    def __post_init__(self):
        if self.work_dir is not None:
            object.__setattr__(self, 'work_dir', Path(self.work_dir))
        if self.class_names is not None:
            object.__setattr__(self, 'class_names', tuple(self.class_names))


def per_class(quantity, class_names, values):
    """``{'<quantity>/<class>': value}``: the one key format of per-class values (before the
    evaluator's prefix is added), e.g. ``per_class('AP', ['car'], [0.5]) == {'AP/car': 0.5}``."""
    return {f'{quantity}/{name}': float(value) for name, value in zip(class_names, values)}


def _from_context(name):
    return property(lambda self: getattr(self.context, name), doc=f'``self.context.{name}``')


class BaseMetric:
    """``process(batch, preds)`` per batch, ``set_context(...)``, then ``compute(size)`` once per
    evaluation (see the module docstring for the contract)."""

    #: Prefix of every key in the returned dict, e.g. ``accuracy/top1``.
    default_prefix = None

    def __init__(self, prefix=None):
        self.prefix = prefix or self.default_prefix
        self.results = []
        self.context = EvalContext()
        self.artifacts = []  # dicts: kind 'figure' | 'table' | 'note', title, path / header+rows / text

    def set_context(self, context):
        """Hand over the run's :class:`EvalContext`; returns the evaluator, for chaining."""
        if not isinstance(context, EvalContext):
            raise TypeError(f'{type(self).__name__}.set_context takes an EvalContext, '
                            f'got {type(context).__name__}')
        self.context = context
        return self

    # The context, read-only, under the names subclasses use.
    work_dir = _from_context('work_dir')
    writer = _from_context('writer')
    step = _from_context('step')
    class_names = _from_context('class_names')

    def process(self, batch, preds):
        raise NotImplementedError(f'{type(self).__name__} must implement process(batch, preds)')

    def compute_metrics(self, results):
        raise NotImplementedError(f'{type(self).__name__} must implement compute_metrics(results)')

    def reset(self):
        """Forget this evaluation's per-process state, on every rank, once it has been gathered.
        A subclass that keeps state beside ``self.results`` extends it."""
        self.results = []

    def compute(self, size=None):
        """Gather on rank 0, keep the first ``size`` (the dataset length), compute there, broadcast."""
        results = gather_in_sampler_order(self.results, size, self.context.world_size)
        self.reset()
        metrics = None
        if self.context.rank == 0:
            self.artifacts = []
            metrics = self.compute_metrics(results)
            if self.prefix:
                metrics = {f'{self.prefix}/{k}': v for k, v in metrics.items()}
        if self.context.world_size > 1:
            box = [metrics]
            dist.broadcast_object_list(box, src=0)
            metrics = box[0]
        return metrics

    # -- outputs, written from compute_metrics (so by rank 0 only) -------------------------------
    def output_path(self, path):
        """``path`` inside the work_dir (an absolute path stays as it is)."""
        path = Path(path)
        if path.is_absolute() or self.work_dir is None:
            return path
        return self.work_dir / path

    @property
    def out_dir(self):
        """``<work_dir>/analysis``: every figure and table of a run, and its report, in one folder."""
        return self.output_path('analysis')

    def add_figure(self, fig, name, title):
        """Save ``fig`` as ``<work_dir>/analysis/<prefix>_<name>.png``, send it to TensorBoard.

        The figure is rendered once; TensorBoard gets the decoded PNG.
        """
        path = save_figure(fig, self.out_dir / f'{self.prefix}_{name}.png')
        if self.writer is not None:
            self.writer.add_image(f'{self.prefix}/{name}', read_png(path), self.step,
                                  dataformats='HWC')
        self.artifacts.append(dict(kind='figure', title=title, path=path))
        return path

    def add_table(self, name, title, header, rows):
        """Write a CSV table ``<work_dir>/analysis/<prefix>_<name>.csv``, list it for the report."""
        path = write_csv(self.out_dir / f'{self.prefix}_{name}.csv', header, rows)
        self.artifacts.append(dict(kind='table', title=title, header=list(header),
                                   rows=[list(r) for r in rows], path=path))
        return path

    def add_note(self, text):
        self.artifacts.append(dict(kind='note', title=self.prefix, text=text))


def write_csv(path, header, rows):
    """A CSV file of one header row and ``rows``; its folder is created. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w', newline='') as f:
        csv.writer(f).writerows([header, *rows])
    return path


def gather_in_sampler_order(results, size=None, world_size=1):
    """On rank 0, all ranks' per-image results in dataset order, padding dropped; None elsewhere.

    DistributedSampler(shuffle=False) gives rank ``r`` the indices ``r, r + W, r + 2W, ...`` and
    pads the tail by repeating the first indices; interleaving the ranks' lists restores the order.
    """
    if world_size == 1:
        return results[:size] if size is not None else results
    parts = [None] * world_size if dist.get_rank() == 0 else None
    dist.gather_object(results, parts, dst=0)
    if parts is None:
        return None
    ordered = [item for group in zip(*parts) for item in group]
    return ordered[:size] if size is not None else ordered

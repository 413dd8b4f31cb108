"""The loader a config gets by default: 'auto' workers from the CPUs per rank, validated options,
and pinned batches that reach the Runner's non-blocking copy untouched."""
import pytest
import torch
from torch.utils.data._utils.pin_memory import pin_memory

from vlrkit.engine import dataloader
from vlrkit.engine.dataloader import MAX_AUTO_WORKERS, auto_num_workers, build_dataloader
from vlrkit.errors import ConfigError
from vlrkit.registry import DATASETS
from vlrkit.structures import collate, move_to

from helpers.toys import ToyColours

CPU = torch.device('cpu')
TOYS = dict(type='ToyColours', num=8, seed=0)


@pytest.fixture
def toy_registered():
    DATASETS.register_module(name='ToyColours', module=ToyColours, force=True)


@pytest.fixture
def cpus(monkeypatch):
    """Set the CPUs this process may use (its affinity mask) and no torchrun environment."""
    monkeypatch.delenv('LOCAL_WORLD_SIZE', raising=False)

    def set_cpus(count):
        monkeypatch.setattr(dataloader.os, 'sched_getaffinity', lambda pid: set(range(count)))
    return set_cpus


@pytest.mark.parametrize('count, world_size, expected', [
    (1, 1, 0),                    # one CPU: load in the main process
    (2, 1, 1),                    # this development machine
    (4, 1, 3),
    (16, 1, MAX_AUTO_WORKERS),    # a GPU node: capped
    (16, 2, 7),                   # two ranks share the node's 16 CPUs
    (16, 4, 3),
    (2, 2, 0),                    # the 2-process gloo tests: one CPU per rank
])
def test_auto_workers_are_the_cpus_per_rank_less_the_main_process(cpus, count, world_size, expected):
    cpus(count)
    assert auto_num_workers(world_size) == expected


def test_torchrun_local_world_size_counts_the_ranks_on_this_node(cpus, monkeypatch):
    cpus(16)
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '8')   # 2 nodes x 8 GPUs: world size 16
    assert auto_num_workers(world_size=16) == 1


def test_affinity_not_cpu_count_decides(cpus, monkeypatch):
    cpus(3)                                          # e.g. taskset -c 0-2 on a 64-core machine
    monkeypatch.setattr(dataloader.os, 'cpu_count', lambda: 64)
    assert auto_num_workers() == 2


def test_auto_is_the_default_and_sets_the_worker_options(cpus, toy_registered):
    cpus(4)
    loader = build_dataloader(dict(batch_size=2, dataset=TOYS), 0, 1, 0, CPU)
    assert loader.num_workers == 3 and loader.persistent_workers
    assert loader.prefetch_factor == dataloader.PREFETCH_FACTOR and not loader.pin_memory
    cpus(1)
    loader = build_dataloader(dict(batch_size=2, dataset=TOYS), 0, 1, 0, CPU)
    assert loader.num_workers == 0 and not loader.persistent_workers


def test_an_int_overrides_auto(cpus, toy_registered):
    cpus(16)
    loader = build_dataloader(dict(batch_size=2, num_workers=0, dataset=TOYS), 0, 1, 0, CPU)
    assert loader.num_workers == 0
    loader = build_dataloader(dict(batch_size=2, num_workers=12, prefetch_factor=4,
                                   persistent_workers=False, dataset=TOYS), 0, 1, 0, CPU)
    assert (loader.num_workers, loader.prefetch_factor, loader.persistent_workers) == (12, 4, False)


@pytest.mark.parametrize('value', [-1, 'four', 2.0, True])
def test_a_bad_num_workers_names_the_key_and_the_choices(value, toy_registered):
    with pytest.raises(ConfigError, match=r"num_workers=.*'auto'.*int >= 0"):
        build_dataloader(dict(batch_size=2, num_workers=value, dataset=TOYS), 0, 1, 0, CPU)


def test_worker_options_without_workers_say_what_to_change(toy_registered):
    with pytest.raises(ConfigError, match='prefetch_factor is set .* num_workers is 0'):
        build_dataloader(dict(batch_size=2, num_workers=0, prefetch_factor=4, dataset=TOYS),
                         0, 1, 0, CPU)


def _tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def test_the_pinned_tensors_are_the_ones_the_runner_copies(monkeypatch, voc_writer, tmp_path):
    """torch's pin thread must reach every tensor of a collated detection batch (dict, lists of
    per-image tensors, strings and tuples around them), and ``move_to`` must start its
    non-blocking copies from those very tensors, not from a re-collated or copied batch.

    CPU-only torch cannot pin, so pinning is replaced by a marked clone; on CUDA that clone is
    the page-locked copy the DMA engine reads from.
    """
    root = voc_writer(tmp_path, {'a': [('dog', (2, 2, 30, 30), 0), ('cat', (5, 5, 20, 40), 1)],
                                 'b': [('bird', (1, 1, 9, 9), 0)]})
    dataset = DATASETS.build(dict(type='VOCDataset', data_root=str(root), mode='detection',
                                  pipeline=[dict(type='LoadImage'), dict(type='PackSample')]))
    batch = collate([dataset[0], dataset[1]])
    pinned_ids = set()

    def fake_pin(tensor, *args, **kwargs):
        clone = tensor.clone()
        pinned_ids.add(id(clone))
        return clone
    monkeypatch.setattr(torch.Tensor, 'pin_memory', fake_pin)
    pinned = pin_memory(batch)
    assert type(pinned) is dict and pinned.keys() == batch.keys()
    assert len(_tensors(pinned)) == len(_tensors(batch)) > 3          # images, boxes, labels, ...
    assert {id(t) for t in _tensors(pinned)} <= pinned_ids            # every tensor was pinned

    copied = []
    monkeypatch.setattr(torch.Tensor, 'to', lambda self, *a, **kw: copied.append(
        (id(self), kw.get('non_blocking'))) or self)
    move_to(pinned, CPU)
    assert copied and all(tensor_id in pinned_ids and non_blocking for tensor_id, non_blocking in copied)
    assert len(copied) == len(_tensors(pinned))

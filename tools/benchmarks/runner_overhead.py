"""Runner overhead: training images/s of vlrkit's Runner vs a hand-written PyTorch loop.

Same model (SimpleCNN + linear head), data (Digits train, 28 px), batch size, optimizer and
number of iterations, and both save one checkpoint at the end; the two alternate `--rounds` times
in one process so machine noise hits both, and the median of the per-round ratios is reported.
Module imports (torch, tensorboard) are paid once per process by any training script and are done
before timing; everything else the Runner does per run (building, hooks, logging, TensorBoard
scalars, the checkpoint) is timed.
Usage: python tools/benchmark.py runner_overhead [--iters 1000] [--rounds 5] [--batch-size 16]
"""
import argparse
import logging
import statistics
import tempfile
import time

import torch
import torch.utils.tensorboard  # noqa: F401  (import cost excluded for both sides, see docstring)
from torch.utils.data import DataLoader

from vlrkit.config import load_config
from vlrkit.datasets.digits import Digits
from vlrkit.engine.optim_step import OptimStep
from vlrkit.engine.runner import Runner, _LossForward
from vlrkit.registry import MODELS
from vlrkit.structures import collate

CONFIG = 'configs/simple_cnn/simple_cnn_digits.py'


def plain_loop(cfg, iters, batch_size):
    """What a student writes by hand: model, DataLoader, SGD, loss.backward(), step."""
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    loader = DataLoader(Digits('train'), batch_size=batch_size, shuffle=True, collate_fn=collate)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
    done, start = 0, time.perf_counter()
    while done < iters:
        for batch in loader:
            loss = model.loss(batch)['loss_cls']
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            done += 1
            if done == iters:
                break
    with tempfile.TemporaryDirectory() as work_dir:
        torch.save({'state_dict': model.state_dict(), 'optimizer': optimizer.state_dict()},
                   f'{work_dir}/last.pth')
    return iters * batch_size / (time.perf_counter() - start)


def runner_loop(cfg, iters, batch_size):
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = load_config(CONFIG, cfg_options={
            'work_dir': work_dir, 'train_dataloader.batch_size': batch_size,
            'train_cfg': dict(_delete_=True, by_epoch=False, max_iters=iters, val_interval=0),
            'default_hooks.checkpoint': dict(interval=iters)})
        runner = Runner.from_cfg(cfg)
        logging.getLogger('vlrkit').setLevel(logging.WARNING)
        start = time.perf_counter()
        runner.train()
        return iters * batch_size / (time.perf_counter() - start)


def step_times(cfg, steps=300, rounds=2):
    """ms per step of Runner.train_step vs a hand-written step, same model and batch, interleaved."""
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = load_config(CONFIG, cfg_options={
            'work_dir': work_dir,
            'train_cfg': dict(_delete_=True, by_epoch=False, max_iters=10**9, val_interval=0)})
        runner = Runner.from_cfg(cfg)
        runner.optimizer = torch.optim.SGD(runner.model.parameters(), lr=0.03, momentum=0.9, weight_decay=1e-4)
        runner.optim_step = OptimStep(runner.optimizer)
        runner.train_model, runner.max_iters = _LossForward(runner.model), 10**9
        batch = collate([Digits('train')[i] for i in range(16)])
        model, optimizer = runner.model, torch.optim.SGD(runner.model.parameters(), lr=0.03, momentum=0.9)

        def plain_step():
            loss = model.loss(batch)['loss_cls']
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

        def runner_step():
            runner.train_step(batch)

        times = {'plain': [], 'runner': []}
        for _ in range(rounds):
            for name, step in (('plain', plain_step), ('runner', runner_step)):
                for _ in range(20):
                    step()
                start = time.perf_counter()
                for _ in range(steps):
                    step()
                times[name].append(1e3 * (time.perf_counter() - start) / steps)
        return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--iters', type=int, default=1000)
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--batch-size', type=int, default=16)
    args = parser.parse_args(argv)
    cfg = load_config(CONFIG)
    plain, runner = [], []
    for _ in range(args.rounds):
        plain.append(plain_loop(cfg, args.iters, args.batch_size))
        runner.append(runner_loop(cfg, args.iters, args.batch_size))
    ratios = [r / p for r, p in zip(runner, plain)]
    print(f'torch threads: {torch.get_num_threads()}')
    print(f'plain loop images/s per round: {[round(x) for x in plain]}')
    print(f'vlrkit Runner images/s per round: {[round(x) for x in runner]}')
    print(f'per-round ratio Runner/plain: {[round(x, 3) for x in ratios]}')
    steps = step_times(cfg)
    print(f"one training step on the same batch, ms (interleaved rounds): plain {[round(t, 2) for t in steps['plain']]}, "
          f"Runner.train_step {[round(t, 2) for t in steps['runner']]}")
    print(f'median: plain {statistics.median(plain):.0f} img/s, Runner {statistics.median(runner):.0f} '
          f'img/s, median per-round ratio Runner/plain = {statistics.median(ratios):.3f}')

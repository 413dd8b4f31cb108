"""Training behaviour of the Runner on real data (scikit-learn digits), in-process for speed."""
import json

import pytest
import torch

from vlrkit.config import load_config
from vlrkit.engine.checkpoint import load_checkpoint_file
from vlrkit.engine.runner import Runner
from vlrkit.registry import LOSSES

DIGITS = 'configs/simple_cnn/simple_cnn_digits.py'


def digits_cfg(work_dir, **options):
    """The digits config at 16 px (4x fewer pixels than 28: same behaviour, faster tests)."""
    small = {'train_dataloader.dataset.image_size': 16, 'val_dataloader.dataset.image_size': 16,
             'test_dataloader.dataset.image_size': 16, 'model.backbone.input_size': 16}
    return load_config(DIGITS, cfg_options={'work_dir': str(work_dir), **small, **options})


def test_digits_two_epochs_reach_real_accuracy(tmp_path):
    cfg = load_config(DIGITS, cfg_options={'work_dir': str(tmp_path), 'train_cfg.max_epochs': 2,
                                           'param_scheduler': [], 'default_hooks.logger.interval': 30,
                                           'default_hooks.checkpoint.max_keep_ckpts': 1})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert metrics['accuracy/top1'] >= 0.93, metrics
    assert metrics['accuracy/top5'] >= metrics['accuracy/top1']
    # the run left its evidence: log lines, a best checkpoint and the dumped config
    records = [json.loads(line) for line in (tmp_path / 'log.jsonl').read_text().splitlines()]
    assert {r['mode'] for r in records} >= {'train', 'val', 'test'}
    assert list(tmp_path.glob('best_accuracy_top1_epoch_*.pth'))
    assert (tmp_path / 'simple_cnn_digits.py').is_file()
    assert not (tmp_path / 'epoch_1.pth').exists()          # max_keep_ckpts=1 pruned it
    checkpoint = load_checkpoint_file(tmp_path / 'epoch_2.pth')
    assert checkpoint['meta']['class_names'] == [str(d) for d in range(10)]
    assert checkpoint['meta']['epochs_done'] == 2 and checkpoint['meta']['iters_done'] == 2 * 90


def test_bf16_autocast_on_cpu_trains(tmp_path):
    cfg = digits_cfg(tmp_path, amp='bf16', **{'train_cfg.max_epochs': 1, 'param_scheduler': []})
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.amp_dtype == torch.bfloat16
    assert runner.test()['accuracy/top1'] > 0.5   # chance is 0.1


@pytest.mark.skipif(not torch.cuda.is_available(), reason='fp16 with a GradScaler needs CUDA')
def test_fp16_with_grad_scaler_on_cuda(tmp_path):
    cfg = digits_cfg(tmp_path, amp='fp16', **{'train_cfg.max_epochs': 1, 'param_scheduler': []})
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.optim_step.scaler is not None and runner.test()['accuracy/top1'] > 0.5


def test_channels_last_trains(tmp_path):
    cfg = digits_cfg(tmp_path, **{'env_cfg.channels_last': True, 'param_scheduler': [],
                                  'train_cfg': dict(by_epoch=False, max_iters=3, val_interval=0)})
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.model.backbone.conv2.weight.is_contiguous(memory_format=torch.channels_last)
    assert runner.progress.iter == 3


def test_fp16_on_cpu_is_refused_with_advice(tmp_path):
    with pytest.raises(ValueError, match="amp='fp16' needs a CUDA device.*bf16"):
        Runner.from_cfg(digits_cfg(tmp_path, amp='fp16', **{'env_cfg.device': 'cpu'}))


def _first_steps_weights(work_dir, batch_size, accumulate, iters):
    cfg = digits_cfg(work_dir, **{
        'train_cfg': dict(by_epoch=False, max_iters=iters, val_interval=0),
        'train_dataloader.batch_size': batch_size, 'param_scheduler': [],
        'optim_wrapper.accumulative_counts': accumulate,
        'optim_wrapper.optimizer': dict(type='SGD', lr=0.1),
        'default_hooks.checkpoint': None})
    runner = Runner.from_cfg(cfg)
    runner.train()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def test_gradient_accumulation_equals_the_larger_batch(tmp_path):
    # SimpleCNN has no batch statistics, so two accumulated halves give the full batch's gradient.
    big = _first_steps_weights(tmp_path / 'big', batch_size=32, accumulate=1, iters=1)
    halves = _first_steps_weights(tmp_path / 'halves', batch_size=16, accumulate=2, iters=2)
    start = Runner.from_cfg(digits_cfg(tmp_path / 'init')).model.state_dict()
    assert not torch.equal(big['head.fc.weight'], start['head.fc.weight'])
    for key in big:
        torch.testing.assert_close(halves[key], big[key], rtol=1e-4, atol=1e-6)


def test_grad_clipping_logs_the_norm_and_bounds_the_step(tmp_path):
    cfg = digits_cfg(tmp_path, **{'train_cfg': dict(by_epoch=False, max_iters=3, val_interval=0),
                                  'optim_wrapper.clip_grad': dict(max_norm=0.01),
                                  'param_scheduler': [], 'default_hooks.checkpoint': None})
    runner = Runner.from_cfg(cfg)
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    runner.train()
    assert runner.log_vars['grad_norm'] > 0.01   # the norm before clipping is what gets logged
    lr = cfg.optim_wrapper.optimizer.lr
    moved = sum((runner.model.state_dict()[k] - before[k]).pow(2).sum() for k in before).sqrt()
    # three momentum SGD steps of a gradient clipped to norm 0.01 move the weights < 3 * 3 * lr * 0.01
    assert moved < 9 * lr * 0.01 + 1e-6


@LOSSES.register_module(force=True)
class NaNAfterThreeCallsLoss(torch.nn.Module):
    """Cross-entropy that turns into NaN on its fourth call (a diverging run, reproducibly)."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, pred, target, weight=None, avg_factor=None):
        self.calls += 1
        loss = torch.nn.functional.cross_entropy(pred, target)
        return loss * float('nan') if self.calls > 3 else loss


def test_nan_loss_stops_with_message_and_last_good_checkpoint(tmp_path):
    """NaN from the fourth iteration on: the guard's look at iteration 5 stops the run, and what
    it saved is the three good steps' model and optimizer state, bit for bit."""
    cfg = digits_cfg(tmp_path / 'nan', **{'train_cfg': dict(by_epoch=False, max_iters=10, val_interval=0),
                                          'model.head.loss_cls': dict(type='NaNAfterThreeCallsLoss'),
                                          'default_hooks.nan_guard.interval': 5, 'param_scheduler': []})
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FloatingPointError, match=r'non-finite loss in 2 of the iterations 1-5 '
                                                 r'\(the last: loss_cls=nan.*--resume'):
        runner.train()
    saved = load_checkpoint_file(tmp_path / 'nan' / 'last_good_iter_5.pth')
    assert saved['meta']['iters_done'] == 5
    good = Runner.from_cfg(digits_cfg(tmp_path / 'good', **{
        'train_cfg': dict(by_epoch=False, max_iters=3, val_interval=0), 'param_scheduler': [],
        'default_hooks.checkpoint': None}))
    good.train()
    for key, value in good.model.state_dict().items():   # the NaN steps were never applied
        assert torch.equal(value, saved['state_dict'][key]), key
    good_state = good.optimizer.state_dict()['state']
    assert good_state.keys() == saved['optimizer']['state'].keys()
    for index, state in good_state.items():
        assert torch.equal(state['momentum_buffer'], saved['optimizer']['state'][index]['momentum_buffer'])


def test_fresh_run_refuses_to_overwrite_an_earlier_runs_checkpoints(tmp_path):
    (tmp_path / 'epoch_1.pth').write_bytes(b'precious')
    runner = Runner.from_cfg(digits_cfg(tmp_path))
    with pytest.raises(FileExistsError, match='--resume'):
        runner.train()
    assert (tmp_path / 'epoch_1.pth').read_bytes() == b'precious'


def test_analysis_evaluators_run_from_test_evaluator(tmp_path):
    # Analyses need the model itself; the Runner hands it to them, so they work from tools/test.py too.
    cfg = digits_cfg(tmp_path, **{
        'train_cfg': dict(by_epoch=False, max_iters=30, val_interval=0), 'param_scheduler': [],
        'test_evaluator': [dict(type='Accuracy'),
                           dict(type='KNNRetrieval', layer='backbone.fc1', k=3, num_queries=3,
                                mean=[0.5], std=[0.5])]})
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    precision = [v for k, v in metrics.items() if k.startswith('knn')]
    assert precision and 0.0 <= precision[0] <= 1.0 and 'accuracy/top1' in metrics
    assert list(tmp_path.rglob('*.png'))   # the retrieval grid was drawn


@pytest.mark.parametrize('deterministic, expected', [(False, True), (True, False)])
def test_cudnn_benchmark_is_set_unless_deterministic(tmp_path, monkeypatch, deterministic, expected):
    monkeypatch.setattr(torch.backends.cudnn, 'benchmark', False)   # restored after the test
    Runner.from_cfg(digits_cfg(tmp_path, **{'env_cfg.cudnn_benchmark': True,
                                            'env_cfg.deterministic': deterministic}))
    assert torch.backends.cudnn.benchmark is expected

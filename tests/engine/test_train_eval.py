"""Training-set metrics (``train_cfg.train_eval_interval``) and the per-epoch wall time, in
log.jsonl, on the console and in TensorBoard. Runs the toy config of tests/helpers/toys.py."""
import json

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from helpers.toys import ToyColours, toy_config
from vlrkit.engine.runner import Runner
from vlrkit.errors import ConfigError
from vlrkit.registry import EVALUATORS


def records(runner, mode):
    lines = (runner.work_dir / 'log.jsonl').read_text().splitlines()
    return [r for r in map(json.loads, lines) if r['mode'] == mode]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Three epochs of 3 iterations, the training set evaluated every 2 epochs (and after the last)."""
    runner = Runner.from_cfg(toy_config(tmp_path_factory.mktemp('train_eval'), **{
        'env_cfg.device': 'cpu', 'train_cfg.max_epochs': 3, 'train_cfg.train_eval_interval': 2}))
    runner.train()
    return runner


def epoch_records(runner):
    return [r for r in records(runner, 'train') if 'epoch_time' in r]


def test_epoch_time_is_logged_once_per_epoch(trained):
    epochs = epoch_records(trained)
    assert [(r['epoch'], r['iter']) for r in epochs] == [(1, 3), (2, 6), (3, 9)]
    assert all(r['epoch_time'] > 0 for r in epochs)
    # an epoch lasts at least as long as its iterations
    iters = [r for r in records(trained, 'train') if 'time' in r]
    for epoch in epochs:
        assert epoch['epoch_time'] >= sum(r['time'] for r in iters if r['epoch'] == epoch['epoch'])
    lines = [line for line in (trained.work_dir / 'run.log').read_text().splitlines()
             if 'epoch_time: ' in line]
    assert [line.split('Epoch(train) ')[1].split(']')[0] for line in lines] == ['[1', '[2', '[3']


def test_train_set_metrics_every_n_epochs_and_after_the_last(trained):
    with_metrics = [r['epoch'] for r in epoch_records(trained) if 'multilabel/mAP' in r]
    assert with_metrics == [2, 3]
    assert 'multilabel/AP/red' in epoch_records(trained)[-1]   # every value, as for val


def test_train_set_metrics_are_the_val_evaluators_on_the_training_images(trained):
    """The last epoch's train metrics are those of the final model on the 12 training images."""
    metric = EVALUATORS.build(dict(type='MultiLabelMAP', ap_chart=False))
    dataset = ToyColours(num=12)
    model = trained.model.eval()
    with torch.no_grad():
        metric.process(dict(labels=dataset.labels, difficult=torch.zeros_like(dataset.labels).bool()),
                       model.predict(dict(images=dataset.images)))
    expected = metric.compute()['multilabel/mAP']
    assert epoch_records(trained)[-1]['multilabel/mAP'] == pytest.approx(expected)
    assert expected != pytest.approx(records(trained, 'val')[-1]['multilabel/mAP'])   # not the val set
    assert len(trained.train_eval_dataloader.dataset) == 12


def test_console_shows_train_metrics_with_the_train_prefix(trained):
    log = (trained.work_dir / 'run.log').read_text()
    lines = [line for line in log.splitlines() if 'train/multilabel/mAP: ' in line]
    assert len(lines) == 2 and all('Epoch(train) [' in line for line in lines)
    assert 'train/multilabel/AP/red' not in log        # per-class values stay off the console


def test_train_evaluators_write_their_files_beside_not_over_the_val_ones(trained):
    assert (trained.work_dir / 'train_eval' / 'multilabel_per_class_ap.csv').is_file()
    assert (trained.work_dir / 'multilabel_per_class_ap.csv').is_file()


def test_tensorboard_has_epoch_time_and_train_metrics(trained):
    events = EventAccumulator(str(trained.work_dir / 'tensorboard'))
    events.Reload()
    assert [e.step for e in events.Scalars('train/epoch_time')] == [3, 6, 9]
    assert [e.step for e in events.Scalars('train/multilabel/mAP')] == [6, 9]
    assert 'train/multilabel/AP/red' in events.Tags()['scalars']


def test_without_the_interval_no_train_set_pass(tmp_path):
    runner = Runner.from_cfg(toy_config(tmp_path, **{'env_cfg.device': 'cpu'}))
    runner.train()
    assert runner.train_eval_dataloader is None
    assert len(epoch_records(runner)) == 2 and not any('multilabel/mAP' in r for r in epoch_records(runner))


def test_the_train_set_pass_needs_a_val_evaluator(tmp_path):
    runner = Runner.from_cfg(toy_config(tmp_path, **{
        'env_cfg.device': 'cpu', 'train_cfg.train_eval_interval': 1, 'val_evaluator': None}))
    with pytest.raises(ConfigError, match='train_eval_interval .* needs val_dataloader and val_evaluator'):
        runner.train()


TRAIN_PIPELINE = [dict(type='LoadImage'),
                  dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', file='trainval.mat')),
                  dict(type='RandomFlip', prob=0.5), dict(type='PackSample')]
VAL_PIPELINE = [dict(type='LoadImage'),
                dict(type='LoadProposals', source=dict(type='SelectiveSearchMat', file='test.mat')),
                dict(type='PackSample')]


def test_the_train_eval_loader_reads_the_training_split_through_the_val_pipeline():
    voc = dict(type='VOCDataset', data_root='data/VOCdevkit', mode='classification')
    train = dict(batch_size=32, shuffle=True, num_workers=4,
                 dataset=dict(type='ConcatDataset', datasets=[
                     dict(voc, year='2007', split='trainval', pipeline=TRAIN_PIPELINE),
                     dict(voc, year='2012', split='trainval', pipeline=TRAIN_PIPELINE)]))
    val = dict(batch_size=100, num_workers=2, dataset=dict(voc, year='2007', split='test',
                                                           pipeline=VAL_PIPELINE))
    loader = Runner._train_eval_loader_cfg(train, val)
    assert {k: v for k, v in loader.items() if k != 'dataset'} == dict(batch_size=100, num_workers=2,
                                                                      shuffle=False)
    parts = loader['dataset']['datasets']
    assert [(d['year'], d['split']) for d in parts] == [('2007', 'trainval'), ('2012', 'trainval')]
    for part in parts:   # no flip; the proposals stay the training split's file
        assert [t['type'] for t in part['pipeline']] == ['LoadImage', 'LoadProposals', 'PackSample']
        assert part['pipeline'][1]['source']['file'] == 'trainval.mat'
    assert train['dataset']['datasets'][0]['pipeline'] == TRAIN_PIPELINE   # the config is untouched

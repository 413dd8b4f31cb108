import os
import pickle
import random

import pytest
import torch

from vlrkit.engine.checkpoint import CheckpointError, load_checkpoint_file, save_checkpoint


def vlrkit_checkpoint():
    return {'meta': {'vlrkit_version': '0.1.0'}, 'state_dict': {'w': torch.ones(3)}}


def test_round_trip(tmp_path):
    save_checkpoint(vlrkit_checkpoint(), tmp_path / 'a.pth')
    assert torch.equal(load_checkpoint_file(tmp_path / 'a.pth')['state_dict']['w'], torch.ones(3))


def test_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / 'epoch_1.pth'
    save_checkpoint(vlrkit_checkpoint(), target)
    before = target.read_bytes()

    def dying_save(obj, f):
        f.write(b'half a checkpoint')
        raise KeyboardInterrupt   # the user hit Ctrl-C in the middle of writing

    monkeypatch.setattr(torch, 'save', dying_save)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': {}}, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ['epoch_1.pth']   # no temporary file left behind


class RunsCode:
    def __reduce__(self):
        return (os.system, ('echo pwned > /tmp/vlrkit_pwned',))


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'meta': {'vlrkit_version': '0'}, 'state_dict': {}, 'payload': RunsCode()}, path)
    with pytest.raises(CheckpointError, match='refusing to load .*evil.pth'):
        load_checkpoint_file(path)
    assert not os.path.exists('/tmp/vlrkit_pwned')


def test_foreign_and_truncated_files_are_named(tmp_path):
    torch.save({'conv.weight': torch.zeros(1)}, tmp_path / 'torchvision.pth')
    with pytest.raises(CheckpointError, match='torchvision.pth is not a vlrkit checkpoint'):
        load_checkpoint_file(tmp_path / 'torchvision.pth')
    save_checkpoint(vlrkit_checkpoint(), tmp_path / 'cut.pth')
    data = (tmp_path / 'cut.pth').read_bytes()
    (tmp_path / 'cut.pth').write_bytes(data[:len(data) // 2])
    with pytest.raises(CheckpointError, match='cut.pth is not a readable PyTorch checkpoint'):
        load_checkpoint_file(tmp_path / 'cut.pth')
    (tmp_path / 'plain.pkl').write_bytes(pickle.dumps([1, 2]))
    with pytest.raises(CheckpointError, match='plain.pkl'):
        load_checkpoint_file(tmp_path / 'plain.pkl')


def test_one_reader_for_vlrkit_checkpoints_and_pretrained_weights(tmp_path, monkeypatch):
    from vlrkit.engine import checkpoint as checkpoint_module
    from vlrkit.models.pretrained import read_state_dict
    save_checkpoint(vlrkit_checkpoint(), tmp_path / 'a.pth')
    read = []
    real_load = torch.load
    monkeypatch.setattr(torch, 'load', lambda *a, **k: read.append(k['weights_only']) or real_load(*a, **k))
    load_checkpoint_file(tmp_path / 'a.pth')
    read_state_dict(tmp_path / 'a.pth')
    assert read == [True, True]
    with pytest.raises(checkpoint_module.MissingCheckpointError, match='nope.pth does not exist'):
        read_state_dict(tmp_path / 'nope.pth')   # the same message for both kinds of load
    with pytest.raises(checkpoint_module.MissingCheckpointError, match='nope.pth does not exist'):
        load_checkpoint_file(tmp_path / 'nope.pth')


def test_runner_load_is_strict_and_a_user_error(tmp_path):
    from vlrkit.config import load_config
    from vlrkit.engine.runner import Runner
    from vlrkit.errors import UserError
    runner = Runner.from_cfg(load_config('configs/simple_cnn/simple_cnn_digits.py',
                                         cfg_options={'work_dir': str(tmp_path)}))
    state = runner.model.state_dict()
    state['head.fc.weight'] = torch.zeros(5, 128)          # a 5-class head in a 10-class config
    save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': state}, tmp_path / 'other.pth')
    with pytest.raises(CheckpointError, match=r"shape mismatch.*head\.fc\.weight") as info:
        runner.load_checkpoint(tmp_path / 'other.pth')
    assert isinstance(info.value, UserError)
    del state['head.fc.weight']
    save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': state}, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointError, match=r'missing in checkpoint.*head\.fc\.weight'):
        runner.load_checkpoint(tmp_path / 'partial.pth')


def test_a_checkpoint_of_another_model_is_one_line_naming_the_key_and_both_shapes(tmp_path):
    from vlrkit.config import load_config
    from vlrkit.engine.runner import Runner
    runner = Runner.from_cfg(load_config('configs/simple_cnn/simple_cnn_digits.py',
                                         cfg_options={'work_dir': str(tmp_path)}))
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    state = {k: torch.zeros_like(v) for k, v in before.items()}
    state['head.fc.weight'], state['head.fc.bias'] = torch.zeros(5, 128), torch.zeros(5)
    save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': state}, tmp_path / 'other.pth')
    with pytest.raises(CheckpointError) as info:
        runner.load_checkpoint(tmp_path / 'other.pth')
    message = str(info.value)
    assert '\n' not in message and 'other.pth' in message
    assert 'head.fc.weight (5, 128) in the checkpoint vs (10, 128) in the model' in message
    assert 'head.fc.bias (5,) in the checkpoint vs (10,) in the model' in message
    # refused before copying anything: the model keeps its own weights
    assert all(torch.equal(v, before[k]) for k, v in runner.model.state_dict().items())


def test_random_bytes_are_named_as_no_checkpoint_not_as_pickled_code(tmp_path):
    path = tmp_path / 'epoch_3.pth'
    path.write_bytes(bytes(random.Random(0).randrange(256) for _ in range(4096)))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(path)
    message = str(info.value)
    assert 'epoch_3.pth is not a PyTorch checkpoint' in message and 'random or corrupted bytes' in message
    assert 'could execute code' not in message


@pytest.mark.parametrize('content, meaning', [
    (b'', 'the file is empty'),
    (b'<!DOCTYPE html><html><body>403 Forbidden</body></html>', 'an HTML or XML page'),
    (b'version https://git-lfs.github.com/spec/v1\noid sha256:ab12\nsize 4\n', 'Git LFS pointer'),
    (b'\x89HDF\r\n\x1a\n' + bytes(64), 'HDF5'),
    (len(b'{"w":{}}').to_bytes(8, 'little') + b'{"w":{}}', 'safetensors'),
], ids=['empty', 'html', 'git-lfs', 'hdf5', 'safetensors'])
def test_a_file_of_another_format_is_named_by_its_first_bytes(tmp_path, content, meaning):
    (tmp_path / 'weights.pth').write_bytes(content)
    with pytest.raises(CheckpointError, match=rf'weights.pth is not a PyTorch checkpoint: .*{meaning}'):
        load_checkpoint_file(tmp_path / 'weights.pth')


def test_nan_or_inf_weights_are_refused_naming_the_tensors(tmp_path):
    state = {'conv.weight': torch.ones(2, 3), 'fc.weight': torch.ones(4), 'fc.bias': torch.zeros(2),
             'steps': torch.tensor(3)}
    state['fc.weight'][1] = float('nan')
    state['fc.bias'][:] = float('inf')
    save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': state}, tmp_path / 'diverged.pth')
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_file(tmp_path / 'diverged.pth')
    message = str(info.value)
    assert 'diverged.pth holds NaN/inf weights in 2 tensors' in message
    assert 'fc.weight (1 of 4 values)' in message and 'fc.bias (2 of 2 values)' in message
    assert 'conv.weight' not in message


def test_runner_refuses_nan_weights_at_load_from_and_resume(tmp_path):
    from vlrkit.config import load_config
    from vlrkit.engine.runner import Runner
    runner = Runner.from_cfg(load_config('configs/simple_cnn/simple_cnn_digits.py',
                                         cfg_options={'work_dir': str(tmp_path)}))
    state = {k: v.clone() for k, v in runner.model.state_dict().items()}
    state['head.fc.weight'][0, 0] = float('nan')
    save_checkpoint({'meta': {'vlrkit_version': '0'}, 'state_dict': state}, tmp_path / 'nan.pth')
    before = {k: v.clone() for k, v in runner.model.state_dict().items()}
    with pytest.raises(CheckpointError, match=r'nan.pth holds NaN/inf weights .*head\.fc\.weight'):
        runner.load_checkpoint(tmp_path / 'nan.pth')
    assert all(torch.equal(v, before[k]) for k, v in runner.model.state_dict().items())


def short_digits_run(work_dir, max_iters, **options):
    """The digits config at 16 px, counted in iterations, a checkpoint every iteration, keep 2."""
    from vlrkit.config import load_config
    from vlrkit.engine.runner import Runner
    return Runner.from_cfg(load_config('configs/simple_cnn/simple_cnn_digits.py', cfg_options={
        'work_dir': str(work_dir), 'train_dataloader.dataset.image_size': 16,
        'model.backbone.input_size': 16, 'train_dataloader.batch_size': 16, 'param_scheduler': [],
        'train_cfg': dict(by_epoch=False, max_iters=max_iters, val_interval=0),
        'default_hooks.checkpoint': dict(type='CheckpointHook', interval=1, max_keep_ckpts=2),
        **options}))


def test_rotation_after_resume_counts_the_checkpoints_already_on_disk(tmp_path):
    short_digits_run(tmp_path, max_iters=3).train()
    assert sorted(p.name for p in tmp_path.glob('iter_*.pth')) == ['iter_2.pth', 'iter_3.pth']
    short_digits_run(tmp_path, max_iters=6, resume=True).train()
    # the checkpoints of before the resume (iter_3 included, the one resumed from) rotate out too
    assert sorted(p.name for p in tmp_path.glob('iter_*.pth')) == ['iter_5.pth', 'iter_6.pth']


def test_resume_from_an_earlier_checkpoint_keeps_the_new_one(tmp_path):
    short_digits_run(tmp_path, max_iters=3, **{'default_hooks.checkpoint.max_keep_ckpts': -1}).train()
    short_digits_run(tmp_path, max_iters=3, resume=str(tmp_path / 'iter_1.pth'),
                     **{'default_hooks.checkpoint.max_keep_ckpts': 1}).train()
    # iter_2 and iter_3 were written again after the resume from iter_1; iter_1 rotated out
    assert sorted(p.name for p in tmp_path.glob('iter_*.pth')) == ['iter_3.pth']
    assert (tmp_path / 'last_checkpoint').read_text() == 'iter_3.pth'

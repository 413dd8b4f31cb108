import os
import pickle

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

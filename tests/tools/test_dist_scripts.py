"""tools/dist_train.sh across "machines": two nodes of one CPU process each (gloo) on localhost."""
import os
import socket
import subprocess
import sys

import pytest

from helpers import REPO, write_config
from vlrkit.engine.checkpoint import load_checkpoint_file

# Each rank says who it is, so the test sees both nodes in one world (the Runner's own log may
# change its wording; this line is the test's).
WHO_HOOK = '''
from vlrkit.engine.hooks.hook import Hook
from vlrkit.registry import HOOKS


@HOOKS.register_module()
class SayWorld(Hook):
    def before_run(self, runner):
        print(f'rank {runner.rank} of world size {runner.world_size}', flush=True)
'''

CONFIG = '''
_base_ = ['{CONFIGS}/simple_cnn/simple_cnn_digits.py']
train_dataloader = dict(batch_size=32, dataset=dict(image_size=16))
model = dict(backbone=dict(input_size=16))
train_cfg = dict(_delete_=True, by_epoch=False, max_iters=4, val_interval=0)
default_hooks = dict(checkpoint=dict(interval=4, save_best=None), logger=dict(interval=2))
custom_imports = dict(imports=['who_hook'])
custom_hooks = [dict(type='SayWorld')]
'''


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# About a minute on a shared 2-core machine: four Python processes (two torchrun agents, two ranks).
@pytest.mark.slow
def test_two_nodes_train_together_through_dist_train_sh(tmp_path):
    (tmp_path / 'who_hook.py').write_text(WHO_HOOK)
    config = write_config(tmp_path / 'two_nodes.py', CONFIG)
    work_dir = tmp_path / 'work'
    port = free_port()
    nodes = []
    for node_rank in (0, 1):
        env = {**os.environ, 'NNODES': '2', 'NODE_RANK': str(node_rank), 'MASTER_ADDR': '127.0.0.1',
               'PORT': str(port), 'PYTHON': sys.executable, 'PYTHONPATH': str(tmp_path),
               'PYTHONUNBUFFERED': '1'}
        nodes.append(subprocess.Popen(
            ['bash', str(REPO / 'tools' / 'dist_train.sh'), str(config), '1', '--work-dir', str(work_dir)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = [node.communicate(timeout=300)[0] for node in nodes]
    for node, output in zip(nodes, outputs):
        assert node.returncode == 0, output[-3000:]
    assert 'rank 0 of world size 2' in outputs[0], outputs[0][-3000:]
    assert 'rank 1 of world size 2' in outputs[1], outputs[1][-3000:]
    assert sorted(p.name for p in work_dir.glob('*.pth')) == ['iter_4.pth']   # written once, by rank 0
    assert load_checkpoint_file(work_dir / 'iter_4.pth')['meta']['iters_done'] == 4

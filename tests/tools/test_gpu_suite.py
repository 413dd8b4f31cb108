"""tools/benchmarks/gpu_suite.py: the --quick run on this CPU writes every row, measured or
skipped with the reason, and the GPU sampler reads nvidia-smi's output."""
import importlib.util
import json
import os
import stat
import sys

import pytest
import torch

from helpers import REPO



def load_tool(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(torch.cuda.is_available(),
                    reason='checks the CPU rows; the GPU run is in docs/benchmarks.md')
def test_quick_run_on_cpu_writes_every_row(tmp_path, capsys):
    out = tmp_path / 'gpu_suite.json'
    load_tool(REPO / 'tools' / 'benchmark.py').main(['gpu_suite', '--quick', '--out', str(out)])
    report = json.loads(out.read_text())
    rows = {row['name']: row for row in report['rows']}
    expected = ({f'fcos_train b{b} {m}' for b in (2, 4)
                 for m in ('fp32', 'bf16', 'fp16', 'channels_last', 'compiled')}
                | {'fcos_recipe_train b2', 'cls_e2e b2', 'cls_e2e b4', 'fcos_eval', 'wsddn_train b2',
                   'projection 2024 recipe (9,000 x 16 images, train steps only)'})
    assert set(rows) == expected
    skipped = {name for name, row in rows.items() if row['status'] == 'skipped'}
    assert skipped == {'fcos_train b2 fp16', 'fcos_train b4 fp16', 'fcos_train b2 compiled',
                       'fcos_train b4 compiled',
                       'projection 2024 recipe (9,000 x 16 images, train steps only)'}
    assert 'CUDA' in rows['fcos_train b2 fp16']['reason']
    assert '--compile' in rows['fcos_train b2 compiled']['reason']
    errors = {name: row['reason'] for name, row in rows.items() if row['status'] == 'error'}
    assert not errors
    for name in ('fcos_train b2 fp32', 'fcos_train b4 bf16', 'fcos_train b4 channels_last'):
        row = rows[name]
        assert row['vlrkit_img_s'] > 0 and row['torchvision_img_s'] > 0
        assert row['ratio'] == pytest.approx(row['vlrkit_img_s'] / row['torchvision_img_s'], rel=1e-2)
        assert row['vlrkit_peak_mib'] is None            # peak memory is CUDA's counter
    assert rows['fcos_recipe_train b2']['fp32_img_s'] > 0 and rows['fcos_recipe_train b2']['bf16_img_s'] > 0
    for batch in (2, 4):
        row = rows[f'cls_e2e b{batch}']
        assert row['e2e_img_s'] > 0 and row['bound_img_s'] > 0 and row['num_workers'] >= 0
        assert row['gpu_util_pct'] is None and row['gpu_util_source'].startswith('n/a')
    assert rows['fcos_eval']['vlrkit_img_s'] > 0
    wsddn = rows['wsddn_train b2']
    assert wsddn['batched_img_s'] > 0 and wsddn['per_image_img_s'] > 0 and wsddn['proposals'] > 0
    assert wsddn['ratio'] == pytest.approx(wsddn['batched_img_s'] / wsddn['per_image_img_s'], rel=1e-2)
    assert report['meta']['quick'] and report['meta']['elapsed_s'] > 0
    table = capsys.readouterr().out
    assert table.count('\n| ') == len(expected) + 2            # header, rule, one line a row
    assert 'skipped: fp16 needs CUDA' in table


def test_gpu_utilisation_polls_nvidia_smi(tmp_path, monkeypatch):
    """Without pynvml the sampler reads ``nvidia-smi -lms`` lines; a fake nvidia-smi stands in
    for the driver's (no CUDA call is made for an explicit device index)."""
    fake = tmp_path / 'nvidia-smi'
    fake.write_text('#!/bin/sh\nfor u in 91 95 99; do echo $u; sleep 0.05; done\nexec sleep 5\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv('PATH', f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
    monkeypatch.setitem(sys.modules, 'pynvml', None)     # import pynvml fails
    suite = load_tool(REPO / 'tools' / 'benchmarks' / 'gpu_suite.py')
    sampler = suite.GpuUtilisation(torch.device('cuda', 0))
    assert sampler.source == 'nvidia-smi'
    sampler.start()
    for _ in range(100):
        if len(sampler.samples) == 3:
            break
        sampler._stop.wait(0.05)
    assert sampler.stop() == pytest.approx(95.0)
    assert suite.GpuUtilisation(torch.device('cpu')).source == 'n/a: no CUDA device'

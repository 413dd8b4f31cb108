"""tools/analyze.py end to end on Digits, and the report page checked in a real headless browser."""
import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vlrkit.config import load_config
from vlrkit.engine.runner import Runner
from vlrkit.errors import ConfigError
from vlrkit.evaluation.analysis.analyze import select_analyses
from vlrkit.registry import DATASETS
from vlrkit.evaluation.analysis.report import training_curves, write_report
from vlrkit.visualization.figures import save_image

from helpers import REPO

ROOT = REPO
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser') or \
    (('/usr/bin/chromium') if Path('/usr/bin/chromium').exists() else None)

SMALL_ANALYSES = '''
_base_ = ['{base}']
norm = dict(mean=[0.5], std=[0.5])
analysis = [
    dict(type='ConfusionMatrix'),
    dict(type='KNNRetrieval', layer='backbone.fc1', k=3, num_queries=3, **norm),
    dict(type='TSNEPlot', layer='backbone.pool2', num_images=40, perplexity=5, max_iter=250, **norm),
    dict(type='OcclusionSensitivity', img_ids=['{img_id}'], window=8, stride=4, value=-1.0, **norm),
    dict(type='FilterIdentification', filters={{'backbone.conv1': [0, 1]}}, top_k=4, **norm),
    dict(type='FilterAblation', filters={{'backbone.conv2': [0, 1, 2]}}, **norm),
    dict(type='PerClassAP', model_name='init'),
]
'''


def write_log(path, cut_line=''):
    records = [dict(mode='train', epoch=1, iter=i, lr=0.05, loss_cls=2.0 / i, loss=2.0 / i)
               for i in (10, 20, 30)] + [dict(mode='val', epoch=1, iter=30, **{'accuracy/top1': 0.5})]
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n' + cut_line)


def referenced_images(page):
    return re.findall(r'<img src="([^"]+)"', page)


def test_report_page_shows_every_figure_table_and_note(tmp_path):
    figure = save_image(np.zeros((20, 30, 3), np.uint8), tmp_path / 'analysis' / 'knn_neighbours.png')
    hook_picture = save_image(np.zeros((8, 8, 3), np.uint8), tmp_path / 'vis' / 'filters_iter_0.png')
    write_log(tmp_path / 'log.jsonl', cut_line='{"mode": "train", "ep')   # the run was killed
    with pytest.warns(UserWarning, match='line 5: skipped a record cut off by a killed run'):
        curves = training_curves(tmp_path / 'log.jsonl', tmp_path / 'analysis' / 'training_curves.png')
    sections = [('knn', [dict(kind='figure', title='neighbours <k=5>', path=figure),
                         dict(kind='table', title='AP', header=['class', 'AP'],
                              rows=[['dog', '0.5']]),
                         dict(kind='note', text='easiest classes: dog')])]
    page_path = write_report(tmp_path / 'analysis', 'Run & co', {'knn/precision@5': 0.25},
                             sections, [('filters_iter_0', hook_picture)], curves)
    page = page_path.read_text()
    assert referenced_images(page) == ['training_curves.png', '../vis/filters_iter_0.png',
                                       'knn_neighbours.png']
    assert 'neighbours &lt;k=5&gt;' in page and '<td>dog</td>' in page and 'easiest classes' in page
    assert '0.2500' in page and 'Run &amp; co' in page
    assert training_curves(tmp_path / 'missing.jsonl', tmp_path / 'x.png') is None


def test_analyses_are_selected_by_name_prefix_or_type():
    cfgs = [dict(type='KNNRetrieval', layer='a'), dict(type='TSNEPlot', layer='a', name='tsne_fc')]
    assert [c['type'] for c in select_analyses(cfgs, ['knn'])] == ['KNNRetrieval']
    assert [c['type'] for c in select_analyses(cfgs, ['tsne_fc', 'knnretrieval'])] == \
        ['KNNRetrieval', 'TSNEPlot']
    with pytest.raises(ConfigError, match='occlusion'):
        select_analyses(cfgs, ['occlusion'])


@pytest.fixture(scope='module')
def analysed_run(tmp_path_factory):
    """A Digits SimpleCNN checkpoint (untrained weights, a written log) analysed by the tool."""
    run = tmp_path_factory.mktemp('run')
    base = ROOT / 'configs/analysis/simple_cnn_digits_analysis.py'
    first_test_id = DATASETS.build(load_config(base).test_dataloader.dataset).ids[0]
    config = run / 'small_analysis.py'
    config.write_text(SMALL_ANALYSES.format(base=base.as_posix(), img_id=first_test_id))
    runner = Runner.from_cfg(load_config(config, {'work_dir': str(run)}))
    runner.save_checkpoint('epoch_1.pth')
    write_log(run / 'log.jsonl')
    save_image(np.zeros((8, 8, 3), np.uint8), run / 'vis' / 'filters_iter_0.png')
    analyze_tool().main([str(config), str(run / 'epoch_1.pth')])
    return run / 'analysis'


def analyze_tool():
    spec = importlib.util.spec_from_file_location('analyze_tool', ROOT / 'tools/analyze.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_unknown_analysis_is_a_one_line_error(analysed_run, capsys):
    config, checkpoint = analysed_run.parent / 'small_analysis.py', analysed_run.parent / 'epoch_1.pth'
    with pytest.raises(SystemExit) as exit_info:
        analyze_tool().main([str(config), str(checkpoint), '--analyses', 'knn', 'gradcam'])
    assert exit_info.value.code == 2
    message = capsys.readouterr().err
    assert "['gradcam']" in message and 'knn' in message and 'tsne' in message  # what exists


def test_analyze_tool_writes_figures_metrics_and_page(analysed_run):
    metrics = json.loads((analysed_run / 'metrics.json').read_text())
    for key in ['accuracy/top1', 'confusion/accuracy', 'knn/precision@3', 'tsne/num_points',
                'occlusion/mean_max_drop', 'filter_id/backbone.conv1/receptive_field',
                'ablation/accuracy_after', 'per_class_ap/init/mAP']:
        assert key in metrics
    assert metrics['confusion/accuracy'] == pytest.approx(metrics['accuracy/top1'])
    assert metrics['filter_id/backbone.conv1/receptive_field'] == 5
    page = (analysed_run / 'index.html').read_text()
    pngs = sorted(p.name for p in analysed_run.glob('*.png'))
    assert {'training_curves.png', 'knn_neighbours.png', 'tsne_map.png', 'confusion_matrix.png',
            'filter_id_backbone_conv1.png', 'per_class_ap_bars.png'} <= set(pngs)
    assert sorted(i for i in referenced_images(page) if '/' not in i) == pngs  # every figure
    assert '../vis/filters_iter_0.png' in referenced_images(page)
    for png in pngs:
        with Image.open(analysed_run / png) as image:
            image.verify()


@pytest.mark.skipif(CHROMIUM is None, reason='no chromium installed (apt-get install chromium)')
def test_report_renders_in_a_headless_browser(analysed_run, tmp_path):
    flags = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
             '--disable-background-networking', '--virtual-time-budget=5000']
    page = (analysed_run / 'index.html').as_uri()
    dom = subprocess.run(flags + ['--dump-dom', page], capture_output=True, text=True,
                         timeout=60).stdout
    loaded = re.search(r'data-figures-loaded="(\d+)/(\d+)"', dom)
    assert loaded, 'the page script did not run'
    count = len(referenced_images((analysed_run / 'index.html').read_text()))
    assert loaded.groups() == (str(count), str(count))  # the browser decoded every figure
    shot = tmp_path / 'shot.png'
    subprocess.run(flags + [f'--screenshot={shot}', '--window-size=1200,2000', page],
                   capture_output=True, timeout=60)
    with Image.open(shot) as image:
        assert image.size == (1200, 2000)
        assert len(set(image.convert('L').getdata())) > 20  # figures and text, not a blank page

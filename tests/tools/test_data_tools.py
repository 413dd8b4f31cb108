"""The thin data tools: make_demo_data.py and the input-pipeline and voc_map benchmarks run end to end."""
import importlib.util
from helpers import REPO

TOOLS = REPO / 'tools'


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_demo_data_cli(tmp_path, capsys):
    load(TOOLS / 'make_demo_data.py').main(['--out', str(tmp_path), '--num-trainval', '3',
                                            '--num-test', '2', '--image-size', '64'])
    voc = tmp_path / 'VOCdevkit' / 'VOC2007'
    assert (voc / 'ImageSets/Main/test.txt').read_text().split() == ['000004', '000005']
    assert len(list((voc / 'JPEGImages').glob('*.jpg'))) == 5
    assert str(tmp_path / 'VOCdevkit') in capsys.readouterr().out


def test_input_pipeline_benchmark_smoke(capsys):
    result = load(TOOLS / 'benchmarks' / 'input_pipeline.py').main(
        ['--num-images', '6', '--rounds', '1', '--size', '32'])
    assert set(result['median']) == {'naive PIL + torchvision', 'vlrkit, no cache',
                                     'vlrkit, memory cache'}
    assert all(rate > 0 for rate in result['median'].values())
    assert '| vlrkit, memory cache |' in capsys.readouterr().out


def test_voc_map_benchmark_times_the_tests_generator_and_both_tools_agree(capsys):
    """The benchmark's data come from the generator the voc_map tests check (no private copy)."""
    module = load(TOOLS / 'benchmarks' / 'voc_map_speed.py')
    from vlrkit.datasets.synthetic_detections import synthetic_detections
    assert module.synthetic_detections is synthetic_detections
    result = module.main(['--images', '20', '--repeats', '1', '--classes', '4', '--dets', '12'])
    assert abs(result['ours_ap'] - result['coco_ap']) < 0.02 and 0.2 < result['ours_ap'] < 1
    assert 'vlrkit voc_map' in capsys.readouterr().out

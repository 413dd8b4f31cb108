"""The thin data tools: make_demo_data.py and the input-pipeline benchmark run end to end."""
import importlib.util
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / 'tools'


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

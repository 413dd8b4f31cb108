"""The configs ship with the package: ``vlrkit::NAME`` names them, the wheel holds every one, and a
config vlrkit dumps into a work_dir loads back."""
import math
import subprocess
import sys
import zipfile

import pytest
from mmengine.config import Config

from helpers import CONSOLE_TOOLS, REPO, copy_sources
from vlrkit.config import ConfigError, dump_config, load_config, packaged_configs, packaged_configs_dir

CONFIG_ROOT = REPO / 'configs'
SHIPPED = sorted(p.relative_to(CONFIG_ROOT).as_posix() for p in CONFIG_ROOT.rglob('*.py'))


def test_vlrkit_prefix_names_a_shipped_config_and_its_bases_resolve():
    cfg = load_config('vlrkit::fcos/fcos_r18_fpn_demo.py', {'train_cfg.max_iters': 3})
    assert packaged_configs_dir() == CONFIG_ROOT          # a clone reads the repository's configs
    assert cfg.filename == str(CONFIG_ROOT / 'fcos' / 'fcos_r18_fpn_demo.py')
    assert cfg.model.type == 'FCOS' and cfg.train_cfg.max_iters == 3   # _base_ model, override
    assert packaged_configs() == SHIPPED


def test_a_missing_packaged_config_says_what_there_is():
    with pytest.raises(ConfigError) as info:
        load_config('vlrkit::fcos/fcos_r18_fpn_dmo.py')
    message = str(info.value)
    assert "'fcos/fcos_r18_fpn_dmo.py'" in message
    assert 'did you mean vlrkit::fcos/fcos_r18_fpn_demo.py' in message
    assert f'ls -R {CONFIG_ROOT}' in message


def test_the_wheel_holds_every_config(tmp_path):
    """Built from a copy of the sources, so no build/ folder of an earlier build leaks in."""
    source = tmp_path / 'src'
    copy_sources(source)
    built = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation',
                            str(source), '-w', str(tmp_path / 'wheel')], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel, = (tmp_path / 'wheel').glob('vlrkit-*.whl')
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(n[len('vlrkit/configs/'):] for n in names if n.startswith('vlrkit/configs/')) == SHIPPED
    assert {f'vlrkit/tools/{module}.py' for module in CONSOLE_TOOLS.values()} <= set(names)
    backgrounds = sorted(p.name for p in (REPO / 'vlrkit' / 'datasets' / 'demo_backgrounds').glob('*.jpg'))
    assert backgrounds and {f'vlrkit/datasets/demo_backgrounds/{b}' for b in backgrounds} <= set(names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith('entry_points.txt')))
    for script, module in CONSOLE_TOOLS.items():
        assert f'{script} = vlrkit.tools.{module}:main' in entry_points.decode()


def same(a, b):
    """Equal, where NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize('name', SHIPPED)
def test_every_shipped_config_dumps_and_loads_back(name, tmp_path):
    cfg = load_config(CONFIG_ROOT / name)
    dumped = tmp_path / 'dumped.py'
    dump_config(cfg, dumped)
    assert same(load_config(dumped).to_dict(), cfg.to_dict())


def test_infinite_values_are_written_as_floats_and_keys_named_inf_stay_keys(tmp_path):
    cfg = Config(dict(bounds=[(0, math.inf), (-math.inf, 0)], extra=dict(inf=math.inf, text='inf')))
    dump_config(cfg, tmp_path / 'bounds.py')
    back = Config.fromfile(str(tmp_path / 'bounds.py'))
    assert back.bounds == [(0, math.inf), (-math.inf, 0)]
    assert back.extra == dict(inf=math.inf, text='inf')

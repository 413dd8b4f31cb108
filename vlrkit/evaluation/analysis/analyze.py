"""Run a config's analyses on a trained model and write the report: the library side of
``tools/analyze.py``.

The analyses are evaluators listed under the config's ``analysis`` key (the same dicts could sit
in ``test_evaluator``). They run in one pass over the test dataloader together with the config's
``test_evaluator``, through the Runner's own evaluation loop, so AMP, device and DDP gathering
behave exactly as in ``tools/test.py``.
"""
import copy
import json
import math
from pathlib import Path

from vlrkit.errors import ConfigError
from vlrkit.registry import EVALUATORS

from .report import training_curves, write_report


class UnknownAnalysisError(ConfigError, KeyError):
    """``--analyses`` or an ``analysis`` entry names something the config or registry lacks."""


def analysis_name(cfg):
    """The name an analysis is selected by: its ``name`` key, else its evaluator's prefix."""
    if cfg.get('name'):
        return cfg['name']
    evaluator_cls = EVALUATORS.get(cfg['type'])
    if evaluator_cls is None:
        raise UnknownAnalysisError(f"analysis type={cfg['type']!r} is not a registered evaluator")
    return cfg.get('prefix') or evaluator_cls.default_prefix or cfg['type']


def select_analyses(analysis_cfgs, names=None):
    """The analysis configs whose name, prefix or type is in ``names`` (all when None)."""
    cfgs = [dict(c) for c in (analysis_cfgs or [])]
    if not names:
        return cfgs
    wanted = {n.lower() for n in names}
    chosen = [c for c in cfgs if {analysis_name(c).lower(), c['type'].lower()} & wanted]
    known = [analysis_name(c) for c in cfgs]
    unknown = wanted - {n.lower() for n in known} - {c['type'].lower() for c in cfgs}
    if unknown:
        raise UnknownAnalysisError(f'--analyses {sorted(unknown)} are not in the config\'s analysis list; '
                       f'it has {known}')
    return chosen


def build_analyses(analysis_cfgs, model):
    """Evaluators from configs; those that analyse the model itself are bound to ``model``."""
    evaluators = []
    for cfg in analysis_cfgs:
        cfg = copy.deepcopy(cfg)
        name = analysis_name(cfg)
        cfg.pop('name', None)
        evaluator = EVALUATORS.build(cfg)
        if getattr(evaluator, 'requires_model', False):
            evaluator.bind(model)
        evaluator.title = name
        evaluators.append(evaluator)
    return evaluators


def find_log(*folders):
    """The first ``log.jsonl`` in ``folders`` (a run's work_dir holds one), or None."""
    for folder in folders:
        if folder is not None and (Path(folder) / 'log.jsonl').is_file():
            return Path(folder) / 'log.jsonl'
    return None


def analyze(runner, names=None, with_test_metrics=True, log_dirs=()):
    """Run the analyses (all, or those in ``names``) and write ``<work_dir>/analysis``.

    Returns the metrics dict; on rank 0 also writes ``metrics.json`` and ``index.html``.
    """
    cfg = runner.cfg
    chosen = select_analyses(cfg.get('analysis'), names)
    test_cfgs = (cfg.get('test_evaluator') or []) if with_test_metrics else []
    test_cfgs = [test_cfgs] if isinstance(test_cfgs, dict) else list(test_cfgs)
    if not chosen and not test_cfgs:
        raise KeyError(f'{cfg.filename}: no analyses to run; add an `analysis = [dict(type='
                       f"'KNNRetrieval', layer=...), ...]` list to the config (see docs/analysis.md)")
    if runner.test_dataloader is None:
        runner.test_dataloader = runner.build_dataloader(cfg.test_dataloader)
    dataset = runner.test_dataloader.dataset
    runner.class_names = runner.class_names or getattr(dataset, 'class_names', None)
    analyses = build_analyses(chosen, runner.unwrapped_model)
    tests = build_analyses(test_cfgs, runner.unwrapped_model)
    metrics = runner.evaluate(runner.test_dataloader, tests + analyses)
    out_dir = Path(runner.work_dir) / 'analysis'
    if runner.rank != 0:
        return metrics
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / 'metrics.json').write_text(json.dumps(json_safe(metrics), indent=2))
    curves = training_curves(find_log(*log_dirs, runner.work_dir), out_dir / 'training_curves.png')
    hook_pictures = sorted((Path(runner.work_dir) / 'vis').glob('*.png'),
                           key=lambda p: (p.stem.rsplit('_', 1)[0], _number_suffix(p)))
    sections = [(getattr(e, 'title', type(e).__name__), getattr(e, 'artifacts', []))
                for e in tests + analyses if getattr(e, 'artifacts', None)]
    write_report(out_dir, f'Analysis of {Path(cfg.filename).stem}', metrics, sections,
                 [(p.stem, p) for p in hook_pictures], curves)
    runner.logger.info(f'analysis report: {out_dir / "index.html"}')
    return metrics


def json_safe(metrics):
    """NaN (e.g. the AP of a class absent from the split) as null: strict JSON readers reject NaN."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in metrics.items()}


def _number_suffix(path):
    tail = path.stem.rsplit('_', 1)[-1]
    return int(tail) if tail.isdigit() else -1

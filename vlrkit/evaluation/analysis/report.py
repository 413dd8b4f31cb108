"""The one-page HTML report of a run: every figure, table and number of its analyses.

``index.html`` sits in ``<work_dir>/analysis`` next to the figures it shows (relative links, so
the folder can be copied or served as is). It holds the training curves drawn from the run's
``log.jsonl``, the metrics, the pictures the training hooks left in ``<work_dir>/vis``, and each
analysis's figures, tables and notes in the order the config lists them.
"""
import html
import os
from pathlib import Path

from vlrkit.run_log import read_log
from vlrkit.visualization.figures import save_figure

# Keys of a log.jsonl record that describe the step, not a measured value.
STEP_KEYS = ('mode', 'epoch', 'iter', 'time', 'data_time')


def training_curves(log_path, out_path):
    """Draw losses, learning rate and validation metrics against iterations; None if no log."""
    import matplotlib.pyplot as plt
    if log_path is None or not Path(log_path).is_file():
        return None
    records = read_log(log_path)
    train = [r for r in records if r.get('mode') == 'train']
    val = [r for r in records if r.get('mode') == 'val']
    if not train and not val:
        return None
    panels = [('training losses', train, lambda k: k.startswith('loss')),
              ('learning rate', train, lambda k: k == 'lr'),
              # headline metrics only: 'multilabel/mAP' yes, per-class 'multilabel/AP/dog' no (the
              # key rule of evaluation/metric.py)
              ('validation metrics', val, lambda k: k.count('/') <= 1)]
    panels = [p for p in panels if _series(p[1], p[2])]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.6), squeeze=False)
    for ax, (title, rows, wanted) in zip(axes[0], panels):
        for key, (steps, values) in _series(rows, wanted).items():
            ax.plot(steps, values, marker='.' if len(steps) < 30 else None, label=key)
        ax.set_title(title)
        ax.set_xlabel('iteration')
        if title == 'learning rate':
            ax.set_yscale('log')
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, out_path)


def _series(rows, wanted):
    series = {}
    for row in rows:
        for key, value in row.items():
            if key in STEP_KEYS or not wanted(key) or not isinstance(value, (int, float)):
                continue
            steps, values = series.setdefault(key, ([], []))
            steps.append(row.get('iter', len(steps)))
            values.append(value)
    return series


def write_report(out_dir, title, metrics, sections, extra_figures=(), curves=None):
    """Write ``out_dir/index.html``; return its path.

    ``sections``: list of (heading, artifacts) with artifacts as the evaluators list them
    (``kind`` 'figure' with ``path``, 'table' with ``header``/``rows``, 'note' with ``text``);
    ``extra_figures``: (title, path) pairs such as the hooks' filter pictures; ``curves``: path of
    the training-curve figure or None.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    parts = [f'<h1>{_e(title)}</h1>', '<nav>' + ' · '.join(
        f'<a href="#{_anchor(h)}">{_e(h)}</a>' for h in
        ['Training curves', 'Metrics', *(['Training pictures'] if extra_figures else []),
         *[h for h, _ in sections]]) + '</nav>']
    parts.append('<h2 id="training-curves">Training curves</h2>')
    parts.append(_figure(out_dir, curves, 'Training curves (from log.jsonl)') if curves else
                 '<p class="note">No log.jsonl of a training run was found next to the '
                 'checkpoint; train with tools/train.py to get curves here.</p>')
    parts.append('<h2 id="metrics">Metrics</h2>')
    parts.append(_table(['metric', 'value'], [[k, _number(v)] for k, v in metrics.items()]))
    if extra_figures:
        parts.append('<h2 id="training-pictures">Training pictures</h2><div class="strip">')
        parts += [_figure(out_dir, path, caption) for caption, path in extra_figures]
        parts.append('</div>')
    for heading, artifacts in sections:
        parts.append(f'<h2 id="{_anchor(heading)}">{_e(heading)}</h2>')
        for item in artifacts:
            if item['kind'] == 'figure':
                parts.append(_figure(out_dir, item['path'], item['title']))
            elif item['kind'] == 'table':
                parts.append(f'<h3>{_e(item["title"])}</h3>' + _table(item['header'], item['rows']))
            else:
                parts.append(f'<p class="note">{_e(item["text"])}</p>')
    page = PAGE.format(title=_e(title), body='\n'.join(parts))
    path = out_dir / 'index.html'
    path.write_text(page, encoding='utf-8')
    return path


def _figure(out_dir, path, caption):
    src = Path(os.path.relpath(Path(path).resolve(), Path(out_dir).resolve())).as_posix()
    return (f'<figure><img src="{_e(src)}" alt="{_e(caption)}" loading="eager">'
            f'<figcaption>{_e(caption)}</figcaption></figure>')


def _table(header, rows):
    head = ''.join(f'<th>{_e(h)}</th>' for h in header)
    body = ''.join('<tr>' + ''.join(f'<td>{_e(c)}</td>' for c in row) + '</tr>' for row in rows)
    return f'<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _number(value):
    return f'{value:.4f}' if isinstance(value, float) else str(value)


def _anchor(text):
    return ''.join(c if c.isalnum() else '-' for c in text.lower()).strip('-')


def _e(value):
    return html.escape(str(value), quote=True)


# One static page, no external resources; the script reports how many figures the browser could
# load (data-figures-loaded on <body>), which the report test reads from a headless browser.
PAGE = '''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }}
nav a {{ margin: 0 .2em; }}
figure {{ display: inline-block; margin: .5em; vertical-align: top; }}
figure img {{ max-width: 100%; border: 1px solid #ddd; }}
figcaption {{ font-size: .85em; color: #555; }}
.strip figure img {{ max-height: 220px; }}
table {{ border-collapse: collapse; margin: .5em 0; font-size: .9em; }}
td, th {{ border: 1px solid #ccc; padding: .2em .6em; text-align: right; }}
th {{ background: #f3f3f3; }}
.note {{ background: #f7f7e8; padding: .4em .8em; }}
</style></head>
<body data-figures-loaded="pending">
{body}
<script>
window.addEventListener('load', function () {{
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (img) {{ return img.complete && img.naturalWidth > 0; }});
  document.body.setAttribute('data-figures-loaded', loaded.length + '/' + images.length);
}});
</script>
</body></html>
'''

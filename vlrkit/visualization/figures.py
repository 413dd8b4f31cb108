"""Figure helpers shared by the analysis evaluators and visualisation hooks.

Everything draws with matplotlib's Agg backend (no display on training machines) and returns or
writes plain arrays / PNG files, so the same picture can go to disk, to TensorBoard and into the
HTML report.
"""
from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from .images import to_display  # noqa: E402


def thumbnail(image, size=96, mean=None, std=None):
    """A small uint8 (h, w, 3) copy of a network input whose longer side is ``size`` pixels.

    Evaluators keep thumbnails per image instead of full inputs, so a pass over thousands of
    images stays within memory and can still draw any of them at the end.
    """
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(image)
    image = image.detach().float().cpu()
    h, w = image.shape[-2:]
    ratio = size / max(h, w)
    if ratio < 1.0:
        new_size = (max(1, round(h * ratio)), max(1, round(w * ratio)))
        image = torch.nn.functional.interpolate(image[None], size=new_size, mode='bilinear',
                                                align_corners=False, antialias=True)[0]
    return to_display(image, mean, std)


def tile_grid(images, ncols=8, pad=2, pad_value=255):
    """Tile equally-sized uint8 (H, W, 3) images row-major into one uint8 array."""
    images = [np.asarray(img) for img in images]
    if not images:
        raise ValueError('tile_grid needs at least one image')
    h = max(img.shape[0] for img in images)
    w = max(img.shape[1] for img in images)
    ncols = max(1, min(ncols, len(images)))
    nrows = (len(images) + ncols - 1) // ncols
    grid = np.full((nrows * (h + pad) + pad, ncols * (w + pad) + pad, 3), pad_value, np.uint8)
    for i, img in enumerate(images):
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        r, c = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        grid[y:y + img.shape[0], x:x + img.shape[1]] = img[..., :3]
    return grid


def filter_grid(weight, ncols=8, scale=4):
    """First-layer convolution filters (O, C, k, k) as one uint8 picture, each filter stretched.

    Each filter is min-max normalised on its own (what the classic "conv1 filters" pictures show)
    and enlarged ``scale`` times with nearest-neighbour so 3x3 or 11x11 kernels are visible.
    """
    weight = weight.detach().float().cpu()
    tiles = []
    for kernel in weight:
        tile = to_display(kernel[:3] if kernel.shape[0] >= 3 else kernel[:1])
        tiles.append(np.kron(tile, np.ones((scale, scale, 1), np.uint8)))
    return tile_grid(tiles, ncols=ncols, pad=1, pad_value=255)


def labelled_grid(rows, row_titles=None, cell_titles=None, cell_size=1.6):
    """A figure of image rows: ``rows[i][j]`` a uint8 (H, W, 3) image, titles under each cell.

    Used for query-plus-neighbours, top-k patches per filter and misclassified examples.
    ``cell_titles[i][j]`` (optional) is written above cell (i, j); ``row_titles[i]`` left of row i.
    """
    nrows = len(rows)
    ncols = max(len(r) for r in rows)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell_size * ncols, cell_size * nrows + 0.3),
                             squeeze=False)
    for i, row in enumerate(rows):
        for j in range(ncols):
            ax = axes[i][j]
            ax.set_xticks([])
            ax.set_yticks([])
            if j >= len(row):
                ax.axis('off')
                continue
            ax.imshow(row[j])
            if cell_titles is not None and cell_titles[i][j]:
                ax.set_title(cell_titles[i][j], fontsize=7)
        if row_titles is not None:
            axes[i][0].set_ylabel(row_titles[i], fontsize=8)
    fig.tight_layout()
    return fig


def class_colors(num_classes):
    """One distinct RGB colour (floats in 0..1) per class, stable across figures: (K, 3)."""
    cmap = plt.get_cmap('tab20' if num_classes > 10 else 'tab10')
    return np.array([cmap(i % cmap.N)[:3] for i in range(num_classes)], dtype=np.float64)


def class_ap_bars(class_names, aps, title):
    """A bar chart of per-class AP, one bar per class in class order (a class without positives,
    AP NaN, gets an empty bar marked n/a): the weak classes stand out at a glance."""
    aps = np.asarray(aps, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(max(4.0, 0.35 * len(aps) + 1.5), 3.2))
    bars = ax.bar(np.arange(len(aps)), np.nan_to_num(aps, nan=0.0), color=class_colors(len(aps)))
    for bar, ap in zip(bars, aps):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), 'n/a' if np.isnan(ap) else f'{ap:.2f}',
                ha='center', va='bottom', fontsize=6)
    ax.set_xticks(np.arange(len(aps)), [str(n) for n in class_names], rotation=60, ha='right', fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel('AP')
    ax.set_title(title, fontsize=9)
    return fig


def save_figure(fig, path, dpi=100):
    """Write ``fig`` as a PNG at ``path`` (folders created), close it, return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches='tight')
    plt.close(fig)
    return path


def read_png(path):
    """A PNG as a uint8 (H, W, 3) array (a saved figure, for TensorBoard without re-rendering)."""
    from PIL import Image
    with Image.open(path) as image:
        return np.asarray(image.convert('RGB'))


def close_figure(fig):
    """Free a figure that will not be saved (pyplot keeps every open figure alive)."""
    plt.close(fig)


def save_image(array, path):
    """Write a uint8 (H, W, 3) array as a PNG at ``path`` (folders created), return the path."""
    from PIL import Image
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path)
    return path

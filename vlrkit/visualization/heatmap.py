"""Heatmaps drawn over their image: the one picture that shows what a localiser has learnt.

Shapes: ``H, W`` image pixels; ``h, w`` heatmap cells (any size, resized to the image).
"""
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib import colormaps

from .images import to_display


def normalise_heatmap(heatmap, vmin=None, vmax=None):
    """Scale a map to [0, 1]; by default between its own min and max (a flat map gives zeros)."""
    heatmap = np.asarray(heatmap, np.float32)
    low = heatmap.min() if vmin is None else vmin
    high = heatmap.max() if vmax is None else vmax
    if high - low <= 1e-12:
        return np.zeros_like(heatmap)
    return np.clip((heatmap - low) / (high - low), 0.0, 1.0)


def resize_heatmap(heatmap, size):
    """Bilinear resize of an (h, w) map to ``size`` = (H, W)."""
    tensor = torch.as_tensor(np.asarray(heatmap, np.float32))[None, None]
    return F.interpolate(tensor, size=tuple(int(s) for s in size), mode='bilinear',
                         align_corners=False)[0, 0].numpy()


def overlay_heatmap(image, heatmap, alpha=0.5, cmap='jet', vmin=None, vmax=None):
    """Blend a colour-mapped heatmap over an image.

    Args:
        image: (H, W, 3) uint8 RGB (or (H, W) grey).
        heatmap: (h, w) map; resized to the image when its size differs (pass a map already on
            the image grid, e.g. from ``heatmap_to_original``, for padded or resized inputs).
        alpha: weight of the heatmap colour, 0 (image only) to 1 (heatmap only).
        cmap: matplotlib colormap name.
        vmin, vmax: value range mapped to the colormap's ends; default the map's own min/max,
            give (0, 1) for probability maps to compare maps across images.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f'overlay_heatmap alpha={alpha}; it must be in [0, 1]')
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'overlay_heatmap expects an (H, W, 3) RGB image, got shape {image.shape}')
    heatmap = np.asarray(heatmap, np.float32)
    if heatmap.shape != image.shape[:2]:
        heatmap = resize_heatmap(heatmap, image.shape[:2])
    colours = colormaps[cmap](normalise_heatmap(heatmap, vmin, vmax))[..., :3] * 255.0
    blended = (1.0 - alpha) * image.astype(np.float32) + alpha * colours
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def tensor_to_rgb(image, mean=None, std=None):
    """A normalised (3, H, W) tensor back to (H, W, 3) uint8 for display.

    With ``mean``/``std`` (0–255 scale, as in the Normalize transform) the normalisation is undone
    exactly; without them the image is min-max stretched, which is enough to recognise it.
    """
    if mean is not None and std is not None:
        return to_display(image, mean, std)
    array = image.detach().float().cpu().numpy().transpose(1, 2, 0)
    return (normalise_heatmap(array) * 255.0 + 0.5).astype(np.uint8)

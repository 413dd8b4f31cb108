"""Network inputs back to pictures: the one place that undoes the Normalize transform."""
import numpy as np
import torch


def to_display(image, mean=None, std=None):
    """A network input as a uint8 (H, W, 3) picture a person can look at.

    ``image`` is a (C, H, W) tensor or array as the model sees it (normalised). With ``mean`` and
    ``std`` (per channel, in the 0-255 or 0-1 scale of the normalisation) the normalisation is
    undone exactly; without them each channel is stretched to its own min..max, which shows the
    content faithfully enough when the normalisation constants are not known to the caller.
    One-channel images are repeated to grey RGB.
    """
    if isinstance(image, torch.Tensor):
        image = image.detach().float().cpu().numpy()
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 3:
        raise ValueError(f'to_display expects a (C, H, W) image, got shape {image.shape}')
    if mean is not None and std is not None:
        mean = np.asarray(mean, dtype=np.float32).reshape(-1, 1, 1)
        std = np.asarray(std, dtype=np.float32).reshape(-1, 1, 1)
        image = image * std + mean
        scale = 255.0 if mean.max() > 1.0 or std.max() > 1.0 else 1.0
        image = image / scale
    else:
        low = image.min(axis=(1, 2), keepdims=True)
        high = image.max(axis=(1, 2), keepdims=True)
        image = (image - low) / np.maximum(high - low, 1e-8)
    image = np.clip(image, 0.0, 1.0)
    if image.shape[0] == 1:
        image = np.repeat(image, 3, axis=0)
    return (image[:3].transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)

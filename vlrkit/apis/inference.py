"""Run a trained model on one's own images: ``init_model`` then ``inference_model``.

The model is rebuilt from its config and checkpoint the way tools/test.py rebuilds it (the same
strict checkpoint reader, no pretrained file needed: the checkpoint holds every weight), and the
images go through the config's test pipeline, so a photo is resized, normalised and padded
exactly as the test images were. Predictions come back in original-image pixels, with class names.

Shapes: ``K`` classes, ``D`` boxes, ``h, w`` heatmap cells.
"""
import copy
import inspect
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from PIL import Image
from scipy.special import expit

from ..config import load_config
from ..datasets.bad_input import BadInputError
from ..datasets.transforms.compose import Compose
from ..engine.checkpoint import load_checkpoint_file
from ..errors import ConfigError
from ..evaluation.functional.heatmap_boxes import boxes_from_class_maps
from ..models.base import with_flip_test
from ..models.pretrained import load_state_dict_mapped, without_pretrained
from ..registry import DATASETS, MODELS
from ..structures import collate, image_pair, move_to, to_numpy

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def init_model(config, checkpoint=None, device=None, tta=False):
    """The model of ``config`` (a path or a Config) with the weights of ``checkpoint``, in eval mode.

    ``tta=True`` builds it with ``flip_test=True`` (each image's prediction merged with its
    mirror image's, see ``vlrkit.models.base.BaseModel``).

    With a checkpoint, every ``pretrained=`` of the model config is switched off before building,
    so no ImageNet file is read or required. The checkpoint is read strictly (it must fit the
    model key for key and shape for shape; a misfit is a ``CheckpointError``).

    The model keeps ``model.cfg`` (its test pipeline is ``cfg.test_dataloader.dataset.pipeline``)
    and ``model.class_names``: the checkpoint's, else the test dataset's when the config alone
    names them, else None.
    """
    cfg = config if isinstance(config, Config) else load_config(config)
    model_cfg = without_pretrained(cfg.model) if checkpoint is not None else cfg.model
    if tta:
        model_cfg = with_flip_test(model_cfg)
    model = MODELS.build(copy.deepcopy(model_cfg))
    class_names = None
    if checkpoint is not None:
        state = load_checkpoint_file(checkpoint)
        load_state_dict_mapped(model, state['state_dict'], strict=True, source=str(checkpoint))
        class_names = state['meta'].get('class_names') or None
    model.class_names = list(class_names) if class_names else config_class_names(cfg)
    model.cfg = cfg
    device = device or ('cuda' if torch.cuda.is_available() else 'cpu')
    return model.to(device).eval()


def config_class_names(cfg):
    """The test dataset's class names when its config tells them without reading any file: its
    ``classes=``, the dataset type's ``class_names`` attribute or its ``classes`` default."""
    dataset_cfg = cfg.get('test_dataloader', {}).get('dataset', {})
    if dataset_cfg.get('classes'):
        return list(dataset_cfg['classes'])
    dataset_type = DATASETS.get(dataset_cfg.get('type', '')) if dataset_cfg.get('type') else None
    if dataset_type is None:
        return None
    names = getattr(dataset_type, 'class_names', None)
    if isinstance(names, (tuple, list)):
        return list(names)
    default = inspect.signature(dataset_type).parameters.get('classes')
    if default is not None and isinstance(default.default, (tuple, list)):
        return list(default.default)
    return None


def inference_model(model, inputs, batch_size=8, topk=5, heatmap_score_thr=0.5):
    """Predictions of ``model`` (from ``init_model``) for ``inputs``, one dict per image.

    Args:
        inputs: an image file, a folder (its images, sorted by name), an (H, W, 3) RGB uint8 numpy
            array, a PIL image, or a list of these.
        batch_size: images per forward pass.
        topk: how many classes a classifier's ``topk_*`` entries list.
        heatmap_score_thr: a heatmap model draws boxes for the classes scoring at least this.

    Returns:
        A list of dicts holding the model's prediction keys as numpy arrays (keys this function
        does not know pass through), ``ori_shape`` (h, w), ``img_path`` for a file, and:
        detections: ``boxes`` (D, 4) x1, y1, x2, y2 in original-image pixels, ``scores``,
        ``labels`` and ``label_names`` (D,);
        classifiers (``scores`` (K,)): ``topk_labels``, ``topk_names``, ``topk_scores``;
        heatmap models (``heatmaps`` (K, h, w)): also ``boxes`` from the heatmaps of the classes
        scoring at least ``heatmap_score_thr``, with ``box_scores``, ``labels``, ``label_names``,
        and ``input_shape``/``img_shape`` to put the maps back on the image.
    """
    pipeline = Compose(config_test_pipeline(model.cfg))
    device = next(model.parameters()).device
    samples = image_samples(inputs)
    results = []
    for start in range(0, len(samples), batch_size):
        chunk = samples[start:start + batch_size]
        # Files and arrays may share a batch: the path stays out of it (it is added back below).
        packed = [pipeline(dict(sample)) for sample in chunk]
        batch = move_to(collate([{k: v for k, v in s.items() if k != 'img_path'} for s in packed]),
                        device)
        with torch.no_grad():
            preds = model.predict(batch)
        for index, pred in enumerate(preds):
            result = describe(pred, batch, index, model.class_names, topk, heatmap_score_thr)
            if 'img_path' in chunk[index]:
                result['img_path'] = chunk[index]['img_path']
            results.append(result)
    return results


def config_test_pipeline(cfg):
    """The steps that turn an image into a model input: the test dataset's ``pipeline``."""
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline')
    if not pipeline:
        raise ConfigError(
            f"the config's test_dataloader.dataset has no pipeline (its dataset "
            f"{cfg.test_dataloader.dataset.get('type')!r} makes its tensors itself), so there is no "
            f"way to turn an image into this model's input; give it a pipeline starting with "
            f"dict(type='LoadImage') and ending with dict(type='PackSample')")
    return pipeline


def list_images(path):
    """The image files ``path`` names: itself, or a folder's images sorted by name."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise BadInputError(f'input {path} is neither an image file nor a folder')
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise BadInputError(f'folder {path} holds no images ({", ".join(IMAGE_SUFFIXES)})')
    return files


def image_samples(inputs):
    """The pipeline's starting dicts: ``img_path`` for files, ``img`` for images in memory."""
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    samples = []
    for item in items:
        if isinstance(item, (str, Path)):
            samples += [dict(img_path=str(p), img_id=p.stem) for p in list_images(item)]
        elif isinstance(item, Image.Image):
            samples.append(dict(img=np.asarray(item.convert('RGB')), img_id=f'image_{len(samples)}'))
        elif isinstance(item, np.ndarray):
            if item.ndim != 3 or item.shape[2] != 3 or item.dtype != np.uint8:
                raise BadInputError(f'an image array must be (H, W, 3) RGB uint8, got shape '
                                    f'{item.shape} dtype {item.dtype}')
            samples.append(dict(img=item, img_id=f'image_{len(samples)}'))
        else:
            raise BadInputError(f'cannot run inference on a {type(item).__name__}; give a path, a '
                                f'folder, an (H, W, 3) uint8 numpy array or a PIL image')
    return samples


def describe(pred, batch, index, class_names, topk, heatmap_score_thr):
    """One prediction as numpy arrays, with the class names and boxes a user asks for."""
    result = {key: to_numpy(value) if torch.is_tensor(value) else value for key, value in pred.items()}
    result['ori_shape'] = tuple(int(v) for v in image_pair(batch, 'ori_shape', index))

    def names(labels):
        return [class_names[int(label)] if class_names else str(int(label)) for label in labels]

    scores = result.get('scores')
    if 'boxes' not in result and scores is not None and scores.ndim == 1:
        order = np.argsort(-scores, kind='stable')[:topk]
        result.update(topk_labels=order, topk_names=names(order), topk_scores=scores[order])
    if 'heatmaps' in result and 'boxes' not in result:
        result['input_shape'] = tuple(int(v) for v in batch['images'].shape[-2:])
        result['img_shape'] = tuple(int(v) for v in image_pair(batch, 'img_shape', index))
        geometry = {key: float(result[f'heatmap_{key}']) for key in ('stride', 'offset')
                    if f'heatmap_{key}' in result}
        # Logit maps, as CorLocMetric thresholds them; a box's score is its peak probability.
        logits = 'heatmap_logits' in result
        boxes = boxes_from_class_maps(
            result['heatmap_logits'] if logits else result['heatmaps'],
            np.flatnonzero(scores >= heatmap_score_thr), result['input_shape'],
            result['img_shape'], result['ori_shape'], score_fn=expit if logits else None, **geometry)
        result.update(boxes=boxes['boxes'], box_scores=boxes['scores'], labels=boxes['labels'])
    if 'boxes' in result and 'labels' in result:
        result['label_names'] = names(result['labels'])
    return result

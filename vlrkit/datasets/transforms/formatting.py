"""The last pipeline step: the intermediate dict becomes the sample of ``vlrkit.structures``."""
import numpy as np
import torch

from ...registry import TRANSFORMS

DEFAULT_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')


def image_to_tensor(img):
    """(H, W, C) numpy -> (C, H, W) float32 tensor; uint8 is scaled to [0, 1] like ToTensor."""
    if img.ndim == 2:
        img = img[..., None]
    tensor = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
    if tensor.dtype == torch.uint8:
        return tensor.float().div_(255.0)
    return tensor.float()


@TRANSFORMS.register_module()
class PackSample:
    """Tensor ``image`` (C, H, W) plus the task's targets and ``meta_keys``.

    detection, from ``gt_boxes``/``gt_labels``/``gt_difficult``: ``boxes`` (M, 4) float,
    ``labels`` (M,) long, ``difficult`` (M,) bool.
    classification, from ``img_labels`` (and ``img_difficult``): ``labels`` a long scalar
    (single-label) or (K,) float multi-hot with ``difficult`` (K,) bool (multi-label), plus
    ``objects`` = dict(boxes, labels, difficult) after the geometric transforms when the dataset
    kept its objects. Either task: ``proposals`` (P, 4) float and ``proposal_scores`` (P,)
    float when a ``LoadProposals`` step gave them. The intermediate keys are listed in
    ``compose.py``.
    """

    def __init__(self, meta_keys=DEFAULT_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    @staticmethod
    def _objects(results):
        return dict(boxes=torch.as_tensor(results['gt_boxes'], dtype=torch.float32).reshape(-1, 4),
                    labels=torch.as_tensor(results['gt_labels'], dtype=torch.long),
                    difficult=torch.as_tensor(results['gt_difficult'], dtype=torch.bool))

    @staticmethod
    def _image_targets(results):
        labels = results['img_labels']
        if np.ndim(labels) == 0:  # single-label: one class index
            return dict(labels=torch.tensor(int(labels), dtype=torch.long))
        return dict(labels=torch.as_tensor(labels, dtype=torch.float32),
                    difficult=torch.as_tensor(results['img_difficult'], dtype=torch.bool))

    def __call__(self, results):
        sample = {'image': image_to_tensor(results['img'])}
        task = results.get('task', 'detection' if 'gt_boxes' in results else 'classification')
        if task == 'detection':
            sample.update(self._objects(results))
        elif 'img_labels' in results:
            sample.update(self._image_targets(results))
            if 'gt_boxes' in results:
                sample['objects'] = self._objects(results)
        if 'proposals' in results:
            sample['proposals'] = torch.as_tensor(results['proposals'],
                                                  dtype=torch.float32).reshape(-1, 4)
            sample['proposal_scores'] = torch.as_tensor(results['proposal_scores'],
                                                        dtype=torch.float32).reshape(-1)
        for key in self.meta_keys:
            if key in results:
                value = results[key]
                sample[key] = tuple(value) if isinstance(value, (list, np.ndarray)) else value
        return sample

    def __repr__(self):
        return f'PackSample(meta_keys={self.meta_keys})'

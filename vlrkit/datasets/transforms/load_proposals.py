"""Give a sample its region proposals: ``proposals`` (P, 4) and ``proposal_scores`` (P,).

    dict(type='LoadProposals',
         source=dict(type='SelectiveSearchMat', file='.../voc_2007_trainval.mat', top_n=300))

The step goes right after ``LoadImage``: the source answers in original-image pixels and the step
scales them to the loaded image (which a dataset ``cache=`` may have shrunk); from there on every
geometric transform moves them like ``gt_boxes`` (``boxes.BOX_KEYS``). The dataset hands the
source its whole image list once, at build time (``prepare``), so a wrong file fails before
training and computed proposals are computed up front, with a progress bar.
"""
import logging

import numpy as np

from ...errors import ConfigError
from ...registry import PROPOSAL_SOURCES, TRANSFORMS
from .boxes import clip_boxes, scale_boxes

logger = logging.getLogger(__name__)


@TRANSFORMS.register_module()
class LoadProposals:
    """Read one image's proposals from ``source`` (a ``PROPOSAL_SOURCES`` config).

    An image without any proposal gets one, the whole image (score 1), with a warning naming it
    (once, not every epoch): a region-based model still sees the image and learns its labels, and
    nothing is misplaced.
    """

    def __init__(self, source):
        self.source_cfg = source
        self.source = PROPOSAL_SOURCES.build(source) if isinstance(source, dict) else source
        self._warned = set()  # ids of the images already warned about

    def prepare(self, data_infos):
        """Hand the source the dataset's image list (check every image, compute missing ones)."""
        self.source.prepare(data_infos)

    def __call__(self, results):
        if 'img' not in results:
            raise ConfigError('LoadProposals needs the image loaded first: put it right after '
                              "dict(type='LoadImage') in the pipeline.")
        ori_shape = results.get('ori_shape')
        boxes, scores = self.source.get(results['img_id'], results.get('img_path'), ori_shape)
        if len(boxes) == 0:
            height, width = ori_shape or results['img'].shape[:2]
            if results['img_id'] not in self._warned:
                self._warned.add(results['img_id'])
                logger.warning('%r gave no proposal for image %s; using the whole image instead',
                               self.source, results['img_id'])
            boxes = np.array([[0, 0, width, height]], np.float32)
            scores = np.ones(1, np.float32)
        sx, sy = results.get('scale_factor', (1.0, 1.0))
        height, width = results['img'].shape[:2]
        results['proposals'] = clip_boxes(scale_boxes(np.asarray(boxes, np.float32), sx, sy),
                                          height, width)
        results['proposal_scores'] = np.asarray(scores, np.float32)
        return results

    def __repr__(self):
        return f'LoadProposals(source={self.source!r})'

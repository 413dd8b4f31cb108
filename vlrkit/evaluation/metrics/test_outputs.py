"""What ``tools/test.py`` writes beside the metrics: the raw predictions and one picture per image.

Both are evaluators because an evaluator is what sees every test batch with its predictions
(``process(batch, preds)``); they return no metrics.
"""
import json
import math
import pickle
from pathlib import Path

from ... import dist
from ...errors import ConfigError
from ...registry import EVALUATORS
from ...structures import to_numpy
from ...visualization.boxes import save_png
from ...visualization.predictions import draw_prediction
from ..metric import BaseMetric

PREDICTION_FORMATS = ('.pkl', '.json')


def image_ids(batch, count):
    return [str(batch['img_id'][i]) if 'img_id' in batch else None for i in range(count)]


@EVALUATORS.register_module()
class DumpPredictions(BaseMetric):
    """Write every test image's prediction to ``out_file`` (``.pkl`` or ``.json``), on rank 0.

    The file holds a list in dataset order of ``{'img_id': ..., 'pred': {key: nested lists}}``,
    ``pred`` being the model's ``predict`` dict with tensors as plain lists (detection boxes in
    original-image pixels), so it loads without torch.
    """

    def __init__(self, out_file, prefix=None):
        super().__init__(prefix)
        self.out_file = Path(out_file)
        if self.out_file.suffix not in PREDICTION_FORMATS:
            raise ConfigError(f'--out {out_file}: write predictions to a .pkl or a .json file '
                              f'(the metrics are written to the test run\'s metrics.json)')

    def process(self, batch, preds):
        for img_id, pred in zip(image_ids(batch, len(preds)), preds):
            self.results.append(dict(img_id=img_id, pred={k: to_numpy(v).tolist() for k, v in pred.items()}))

    def compute_metrics(self, results):
        self.out_file.parent.mkdir(parents=True, exist_ok=True)
        if self.out_file.suffix == '.json':
            self.out_file.write_text(json.dumps(results))
        else:
            self.out_file.write_bytes(pickle.dumps(results))
        return {}


@EVALUATORS.register_module()
class ShowPredictions(BaseMetric):
    """Draw each test image's ground truth next to its prediction into ``out_dir/<img_id>.png``.

    Pictures are drawn as the batches pass (keeping them for rank 0 would hold every image in
    memory), so under DDP each rank writes its own share, up to ``num / world_size`` of it.

    Args:
        out_dir: folder of the pictures.
        num: draw only the first ``num`` images (None: all).
        class_names: names for the labels (the checkpoint's); indices when None.
        score_thr: detections below it are not drawn.
    """

    def __init__(self, out_dir, num=None, class_names=None, score_thr=0.3, prefix=None):
        super().__init__(prefix)
        self.show_dir, self.score_thr = Path(out_dir), score_thr
        self.names = list(class_names) if class_names else None
        self.remaining = None if num is None else math.ceil(num / dist.get_world_size())
        self.drawn = 0

    def process(self, batch, preds):
        self.show_dir.mkdir(parents=True, exist_ok=True)
        for index, (img_id, pred) in enumerate(zip(image_ids(batch, len(preds)), preds)):
            if self.remaining is not None and self.drawn >= self.remaining:
                return
            name = img_id if img_id is not None else f'{dist.get_rank()}_{self.drawn}'
            save_png(self.show_dir / f'{name}.png',
                     draw_prediction(batch, index, pred, self.names, self.score_thr))
            self.drawn += 1

    def compute_metrics(self, results):
        return {}

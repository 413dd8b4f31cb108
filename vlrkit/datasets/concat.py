"""Several datasets read as one, e.g. VOC2007 trainval + VOC2012 trainval ("07+12")."""
import torch

from ..errors import ConfigError
from ..registry import DATASETS


@DATASETS.register_module()
class ConcatDataset(torch.utils.data.ConcatDataset):
    """Concatenate ``datasets`` (config dicts or datasets) that share the same ``class_names``.

    Labels are indices into ``class_names``, so parts with different class lists would silently
    mix up labels; that is refused.
    """

    def __init__(self, datasets):
        built = [DATASETS.build(d) if isinstance(d, dict) else d for d in datasets]
        if not built:
            raise ConfigError('ConcatDataset needs at least one dataset in datasets=[...].')
        names = [tuple(getattr(d, 'class_names', ())) for d in built]
        for i, other in enumerate(names[1:], start=1):
            if other != names[0]:
                raise ConfigError(
                    f'ConcatDataset: dataset 0 ({built[0]!r}) and dataset {i} ({built[i]!r}) '
                    f'have different class_names ({names[0]} vs {other}); give every part the '
                    f'same classes=.')
        super().__init__(built)
        self.class_names = names[0]

    def __repr__(self):
        parts = ', '.join(repr(d) for d in self.datasets)
        return f'ConcatDataset([{parts}], {len(self)} images)'

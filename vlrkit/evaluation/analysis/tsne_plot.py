"""2-D t-SNE map of a layer's features: do images of one class gather in one place?

Each point is an image, coloured by its class; an image with several classes (VOC) takes the mean
colour of its classes, so mixed points sit visibly between the pure colours. The legend gives the
colour of each class.
"""
import numpy as np
from matplotlib.patches import Patch
from sklearn.manifold import TSNE

from vlrkit.registry import EVALUATORS
from vlrkit.visualization.figures import class_colors

from .base import AnalysisEvaluator, label_sets, num_classes_of
from .features import extract_features


def point_colors(labels, palette):
    """RGB colour (P, 3) of each point: the mean of its classes' colours in ``palette`` (K, 3).

    ``labels``: list of class-index lists; an image without any class is drawn grey.
    """
    palette = np.asarray(palette, dtype=np.float64)
    grey = np.full(palette.shape[1], 0.5)
    return np.stack([palette[list(classes)].mean(axis=0) if classes else grey
                     for classes in labels])


def embed_2d(features, perplexity=30.0, seed=0, max_iter=1000):
    """t-SNE (scikit-learn, PCA init) of ``features`` (P, D) into (P, 2) points.

    The perplexity is capped at (P - 1) / 3, the most scikit-learn accepts for P points.
    """
    features = np.asarray(features, dtype=np.float32)
    perplexity = float(min(perplexity, max(1.0, (len(features) - 1) / 3.0)))
    return TSNE(n_components=2, perplexity=perplexity, init='pca', random_state=seed,
                max_iter=max_iter).fit_transform(features)


@EVALUATORS.register_module()
class TSNEPlot(AnalysisEvaluator):
    """t-SNE of ``num_images`` random images (``seed``) in ``layer``'s features, coloured by class.

    Writes ``tsne_map.png``; returns the number of points drawn.
    """
    default_prefix = 'tsne'

    def __init__(self, layer, num_images=1000, perplexity=30.0, seed=0, max_iter=1000, **kwargs):
        super().__init__(**kwargs)
        self.layer, self.num_images, self.max_iter = layer, num_images, max_iter
        self.perplexity, self.seed = perplexity, seed

    def process(self, batch, preds):
        features = extract_features(self.net, batch['images'].to(self.device), [self.layer])
        features = features[self.layer].numpy()
        for i, labels in enumerate(label_sets(batch)):
            self.results.append(dict(labels=labels, feature=features[i]))

    def compute_metrics(self, results):
        rng = np.random.default_rng(self.seed)
        chosen = rng.permutation(len(results))[:self.num_images]
        picked = [results[i] for i in chosen]
        num_classes = num_classes_of(results, class_names=self.class_names)
        palette = class_colors(num_classes)
        colors = point_colors([r['labels'] for r in picked], palette)
        points = embed_2d(np.stack([r['feature'] for r in picked]), self.perplexity, self.seed,
                          self.max_iter)
        self.add_figure(self._draw(points, colors, palette), 'map',
                        f't-SNE of {self.layer} ({len(picked)} images)')
        return {'num_points': float(len(picked))}

    def _draw(self, points, colors, palette):
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(7, 6))
        ax.scatter(points[:, 0], points[:, 1], c=colors, s=12 if len(points) > 300 else 30,
                   linewidths=0)
        ax.set_xticks([])
        ax.set_yticks([])
        handles = [Patch(color=palette[c], label=self.class_name(c)) for c in range(len(palette))]
        ax.legend(handles=handles, loc='center left', bbox_to_anchor=(1.0, 0.5), fontsize=8)
        ax.set_title(f't-SNE of {self.layer}')
        fig.tight_layout()
        return fig

"""kNN retrieval and t-SNE on features whose answer is known in advance."""

import numpy as np
import pytest
import torch
from PIL import Image

from vlrkit.errors import ConfigError
from vlrkit.evaluation.analysis.features import LayerOutputs, extract_features
from vlrkit.evaluation.analysis.knn_retrieval import KNNRetrieval, nearest_neighbours, precision_at_k
from vlrkit.evaluation.analysis.tsne_plot import TSNEPlot, embed_2d, point_colors
from vlrkit.registry import EVALUATORS

from helpers.toys import ToyClassifier, colour_batch, run_evaluator


def assert_png(path):
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == 'PNG' and min(image.size) > 50


class ImageWriter:
    """Stands in for TensorBoard's SummaryWriter: keeps the images it is given."""

    def __init__(self):
        self.images = {}

    def add_image(self, tag, image, step, dataformats='CHW'):
        assert dataformats == 'HWC'
        self.images[tag] = image


def test_features_by_module_name_are_the_layer_outputs():
    model = ToyClassifier().eval()
    images = torch.randn(4, 3, 16, 16)
    features = extract_features(model, images, ['backbone.pool1', 'head.fc'])
    expected = model.backbone[:3](images).flatten(1)
    assert features['backbone.pool1'].shape == (4, 8 * 8 * 8)
    assert torch.allclose(features['backbone.pool1'], expected)
    assert torch.allclose(features['head.fc'], model(images))
    assert all(not m._forward_hooks for m in model.modules())  # hooks are gone afterwards
    with pytest.raises(ConfigError, match='backbone.pool1'):
        with LayerOutputs(model, ['backbone.pool5']):
            pass


def test_neighbours_are_the_planted_ones():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, 16)) * 10
    features = np.repeat(centres, 5, axis=0) + 0.01 * rng.normal(size=(20, 16))  # 4 groups of 5
    neighbours, distances = nearest_neighbours(features, [0, 7, 19], k=4)
    assert [sorted(row) for row in neighbours] == [[1, 2, 3, 4], [5, 6, 8, 9], [15, 16, 17, 18]]
    assert (np.diff(distances, axis=1) >= 0).all()
    labels = [[i // 5] for i in range(20)]
    assert precision_at_k(labels, [0, 7, 19], neighbours) == 1.0
    neighbours, _ = nearest_neighbours(features, [0], k=6)  # 4 own group + 2 from elsewhere
    assert precision_at_k(labels, [0], neighbours) == pytest.approx(4 / 6)


def test_cosine_and_euclidean_disagree_where_they_should():
    # 1 is 0 scaled up (same direction, far away); 2 is close to 0 but points elsewhere
    features = np.array([[1.0, 0.0], [10.0, 0.0], [0.6, 0.6]])
    assert nearest_neighbours(features, [0], k=1, metric='euclidean')[0][0, 0] == 2
    assert nearest_neighbours(features, [0], k=1, metric='cosine')[0][0, 0] == 1
    with pytest.raises(ValueError, match='cosine'):
        nearest_neighbours(features, [0], k=1, metric='manhattan')


def test_multilabel_overlap_counts_as_a_hit():
    labels = [[0, 1], [1], [2]]
    assert precision_at_k(labels, [0], [[1, 2]]) == 0.5


def test_knn_evaluator_writes_grid_and_precision(tmp_path):
    model = ToyClassifier().eval()
    batches = [colour_batch([0, 1, 2, 0, 1, 2], seed=s, start=6 * s) for s in range(3)]
    knn = EVALUATORS.build(dict(type='KNNRetrieval', layer='backbone.pool1', k=3,
                                metric='cosine', num_queries=3))
    metrics = run_evaluator(knn, model, batches, tmp_path, ['red', 'green', 'blue'],
                            writer=ImageWriter())
    assert 0.0 <= metrics['knn/precision@3'] <= 1.0
    assert_png(tmp_path / 'analysis' / 'knn_neighbours.png')
    with Image.open(tmp_path / 'analysis' / 'knn_neighbours.png') as png:
        width, height = png.size
    assert knn.writer.images['knn/neighbours'].shape == (height, width, 3)  # same picture in TB
    fixed = KNNRetrieval(layer='head.fc', k=2, query_ids=['img4'])
    run_evaluator(fixed, model, batches, tmp_path)
    with pytest.raises(ConfigError, match='nope'):
        run_evaluator(KNNRetrieval(layer='head.fc', query_ids=['nope']), model, batches, tmp_path)


def test_multilabel_points_take_the_mean_colour():
    palette = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    colors = point_colors([[0], [0, 1], [0, 1, 2], []], palette)
    np.testing.assert_allclose(colors[0], [1, 0, 0])
    np.testing.assert_allclose(colors[1], [0.5, 0.5, 0])
    np.testing.assert_allclose(colors[2], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(colors[3], [0.5, 0.5, 0.5])


def test_tsne_keeps_separated_clusters_apart():
    rng = np.random.default_rng(1)
    features = np.concatenate([rng.normal(loc=20 * c, size=(15, 8)) for c in range(3)])
    points = embed_2d(features, perplexity=5, seed=0, max_iter=500)
    cluster = np.repeat(np.arange(3), 15)
    nearest, _ = nearest_neighbours(points, range(45), k=1)
    assert (cluster[nearest[:, 0]] == cluster).all()


def test_tsne_evaluator_draws_every_sampled_image(tmp_path):
    model = ToyClassifier(multilabel=True).eval()
    batch = colour_batch([0, 1, 2, 0, 1, 2, 0, 1], seed=3)
    batch['labels'] = torch.nn.functional.one_hot(batch['labels'], 3).float()
    batch['labels'][0, 1] = 1.0  # one image with two classes
    tsne = TSNEPlot(layer='backbone.pool2', num_images=6, perplexity=2, max_iter=250)
    metrics = run_evaluator(tsne, model, [batch], tmp_path, ['r', 'g', 'b'])
    assert metrics['tsne/num_points'] == 6
    assert_png(tmp_path / 'analysis' / 'tsne_map.png')

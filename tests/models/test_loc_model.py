"""LocalizerAlexNet and its robust variant: shapes, pooling, and what the robust options change."""
import pytest
import torch

from vlrkit.models.heads.localizer_head import pool_class_maps
from vlrkit.registry import MODELS


def build(type_, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(type=type_, **kwargs))


def test_512_input_gives_29x29_maps_for_20_classes():
    model = build('LocalizerAlexNet').eval()
    with torch.no_grad():
        maps = model(torch.randn(1, 3, 512, 512))
    assert maps.shape == (1, 20, 29, 29)


def test_max_pooling_scores_are_the_map_maxima():
    model = build('LocalizerAlexNet', head=dict(num_classes=5)).eval()
    images = torch.randn(2, 3, 128, 160)
    preds = model.predict({'images': images})
    maps = model(images)
    for pred, class_maps in zip(preds, maps):
        assert pred['heatmaps'].shape == class_maps.shape
        torch.testing.assert_close(pred['scores'], torch.sigmoid(class_maps.flatten(1).amax(1)))
        torch.testing.assert_close(pred['scores'], pred['heatmaps'].flatten(1).amax(1))


def test_robust_variant_same_weights_same_maps_different_pooling_and_dropout():
    plain = build('LocalizerAlexNet', head=dict(num_classes=4))
    robust = build('LocalizerAlexNetRobust', head=dict(num_classes=4))
    robust.load_state_dict(plain.state_dict())  # same layers, same names: checkpoints interchange
    images = torch.randn(2, 3, 96, 96)
    plain.eval(), robust.eval()
    with torch.no_grad():
        torch.testing.assert_close(robust(images), plain(images))
        maps = plain(images)
        # Eval-mode pooling differs: log-sum-exp lies strictly between mean and max.
        lse = robust.head.pool(maps)
        assert (lse < maps.flatten(2).amax(2)).all() and (lse > maps.flatten(2).mean(2)).all()
        # No dropout at evaluation: pooling is deterministic.
        torch.testing.assert_close(robust.head.pool(maps), robust.head.pool(maps))
    robust.train(), plain.train()
    with torch.no_grad():
        assert not torch.equal(robust.head.pool(maps), robust.head.pool(maps))  # map dropout
        torch.testing.assert_close(plain.head.pool(maps), plain.head.pool(maps))


def test_pooling_functions_against_definitions():
    maps = torch.randn(2, 3, 4, 5)
    flat = maps.flatten(2)
    torch.testing.assert_close(pool_class_maps(maps, 'avg'), flat.mean(2))
    r = 3.0
    torch.testing.assert_close(pool_class_maps(maps, 'lse', lse_r=r),
                               torch.log(torch.exp(r * flat).mean(2)) / r)
    torch.testing.assert_close(pool_class_maps(maps, 'topk', topk_ratio=0.1),
                               flat.sort(2, descending=True).values[..., :2].mean(2))
    keep = torch.zeros_like(maps, dtype=torch.bool)
    keep[..., 0, 0] = True
    for pooling in ('max', 'avg', 'lse', 'topk'):  # only the kept cell is seen
        torch.testing.assert_close(pool_class_maps(maps, pooling, keep=keep), maps[..., 0, 0])


def test_loss_masks_difficult_entries_and_trains():
    model = build('LocalizerAlexNet', head=dict(num_classes=3))
    images = torch.randn(2, 3, 64, 64)
    labels = torch.tensor([[1., 0., 0.], [0., 1., 0.]])
    difficult = torch.tensor([[False, False, True], [False, False, False]])
    losses = model.loss(dict(images=images, labels=labels, difficult=difficult))
    assert losses['loss_cls'].requires_grad and torch.isfinite(losses['loss_cls'])
    # A difficult entry does not count: flipping its label leaves the loss unchanged.
    flipped = labels.clone()
    flipped[0, 2] = 1.0
    again = model.loss(dict(images=images, labels=flipped, difficult=difficult))
    torch.testing.assert_close(again['loss_cls'], losses['loss_cls'])
    losses['loss_cls'].backward()
    assert model.head.classifier[0].weight.grad.abs().sum() > 0


def test_robust_multi_scale_maps_keep_the_base_grid():
    model = build('LocalizerAlexNetRobust', head=dict(num_classes=2), scales=(1.0, 0.75)).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 256, 256)).shape == (1, 2, 13, 13)
    with pytest.raises(ValueError, match='scales'):
        build('LocalizerAlexNetRobust', scales=(0.5,))


def test_pretrained_alexnet_weights_land_in_renamed_layers(tmp_path):
    import torchvision
    torch.manual_seed(1)
    reference = torchvision.models.alexnet()
    path = tmp_path / 'alexnet.pth'
    torch.save(reference.state_dict(), path)
    model = build('LocalizerAlexNet', backbone=dict(type='AlexNetFeatures', pretrained=str(path)))
    torch.testing.assert_close(model.backbone.conv3.weight, reference.features[6].weight)
    torch.testing.assert_close(model.backbone.conv5.bias, reference.features[10].bias)
    images = torch.randn(1, 3, 127, 127)
    # Our trunk is torchvision's features minus the last max-pool.
    torch.testing.assert_close(model.backbone(images)[0], reference.features[:-1](images))


def test_heatmap_geometry_matches_the_receptive_field_centres():
    model = build('LocalizerAlexNet', backbone=dict(type='AlexNetFeatures', widths=(16,) * 5),
                  head=dict(num_classes=1, in_channels=16, feat_channels=16)).double()
    geometry = model.heatmap_geometry
    assert geometry == dict(stride=16.0, offset=31.5)
    images = torch.zeros(1, 3, 256, 256, dtype=torch.double, requires_grad=True)
    # The input gradient of a cell reaches exactly its receptive field (195 px for AlexNet + the
    # 3x3 conv), whose centre is where the geometry says; random input avoids max-pool ties.
    cell = 6
    model(images + torch.rand(1, 3, 256, 256, dtype=torch.double))[0, 0, cell, cell].backward()
    cols = torch.nonzero(images.grad[0].abs().sum((0, 1)) > 0).flatten()
    centre = (cols.min().item() + cols.max().item() + 1) / 2
    assert abs(centre - (geometry['offset'] + cell * geometry['stride'])) <= 1
    pred = model.predict({'images': torch.zeros(1, 3, 256, 256, dtype=torch.double)})[0]
    assert float(pred['heatmap_stride']) == 16.0 and float(pred['heatmap_offset']) == 31.5


def test_missing_imagenet_weights_say_which_file_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))  # an empty hub cache: nothing to find
    with pytest.raises(FileNotFoundError, match='alexnet-owt-7be5be79.pth') as err:
        build('LocalizerAlexNet', backbone=dict(type='AlexNetFeatures', pretrained='imagenet'))
    assert str(tmp_path / 'hub' / 'checkpoints') in str(err.value)
    with pytest.raises(ValueError, match='widths'):
        build('LocalizerAlexNet', backbone=dict(type='AlexNetFeatures', pretrained='imagenet',
                                                widths=(8,) * 5))


def mirror_symmetric_localizer():
    """A localiser whose filters are all left-right symmetric: mirroring the input mirrors the
    evidence exactly, so the mirrored pass of flip_test must land where the plain pass is."""
    model = build('LocalizerAlexNet', backbone=dict(type='AlexNetFeatures', widths=(8,) * 5),
                  head=dict(num_classes=2, in_channels=8, feat_channels=8)).double().eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Conv2d):
                module.weight.copy_((module.weight + module.weight.flip(-1)) / 2)
    return model


def smooth_images(width):
    torch.manual_seed(1)
    coarse = torch.rand(2, 3, 8, 8, dtype=torch.double)
    return torch.nn.functional.interpolate(coarse, size=(width, width), mode='bicubic',
                                           align_corners=False)


def test_flip_test_puts_the_mirrored_maps_back_on_the_cells():
    model = mirror_symmetric_localizer()
    # 255 px: 13 cells centred at 31.5 + 16 o, mirror-symmetric about the input's centre, so
    # flip_test of a symmetric net changes nothing (a missing flip-back would).
    images = smooth_images(255)
    plain = model.predict({'images': images})
    model.flip_test = True
    flipped = model.predict({'images': images})
    for a, b in zip(plain, flipped):
        torch.testing.assert_close(a['heatmap_logits'], b['heatmap_logits'])
        torch.testing.assert_close(a['scores'], b['scores'])
    # 270 px: the mirrored cells sit 15 px (about a cell) off; the alignment moves them back.
    images = smooth_images(270)
    with torch.no_grad():
        maps = model(images)
        mirrored = model(images.flip(-1)).flip(-1)
        aligned = model.align_mirrored_maps(mirrored, images.shape[-1])
    inner = (slice(None), slice(None), slice(None), slice(1, -1))  # border cells are clamped
    assert (aligned - maps)[inner].abs().mean() < 0.5 * (mirrored - maps)[inner].abs().mean()


def test_robust_pyramid_averages_the_maps_of_every_scale_on_the_scale_1_grid():
    model = build('LocalizerAlexNetRobust', backbone=dict(type='AlexNetFeatures', widths=(8,) * 5),
                  head=dict(num_classes=2, in_channels=8, feat_channels=8), scales=(1.0, 0.75)).eval()
    images = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        base = model.head.classifier(model.backbone(images)[0])
        small = torch.nn.functional.interpolate(images, scale_factor=0.75, mode='bilinear',
                                                align_corners=False, recompute_scale_factor=False)
        small_maps = torch.nn.functional.interpolate(
            model.head.classifier(model.backbone(small)[0]), size=base.shape[-2:], mode='bilinear',
            align_corners=False)
        assert len(model.extract_feat(images)) == 2   # one level per scale
        torch.testing.assert_close(model(images), (base + small_maps) / 2)

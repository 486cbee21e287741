import pytest
import torch

from swav_pipeline.swav.multicrop import AugmentSpec, BatchMultiCrop, MultiCropSpec, apply_jitter, draw_jitter, random_boxes


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (8, 28, 28, 1), generator=g, dtype=torch.uint8)


@pytest.mark.parametrize("nmb, sizes", [([2], [24]), ([2, 4], [28, 16]), ([2, 6], [20, 8])])
def test_crop_shapes_and_counts(batch, nmb, sizes):
    spec = MultiCropSpec(nmb_crops=nmb, size_crops=sizes, min_scale_crops=[0.3] * len(nmb), max_scale_crops=[1.0] * len(nmb))
    crops = BatchMultiCrop(spec, [0.3], [0.3])(batch, torch.Generator().manual_seed(1))
    expected = [(8, 3, s, s) for n, s in zip(nmb, sizes) for _ in range(n)]
    assert [tuple(c.shape) for c in crops] == expected
    assert all(c.dtype == torch.float32 and torch.isfinite(c).all() for c in crops)


def test_same_seed_same_crops_and_each_image_draws_its_own(batch):
    mc = BatchMultiCrop(MultiCropSpec(), [0.3], [0.3])
    same = batch[:1].expand(8, -1, -1, -1).contiguous()
    a = mc(same, torch.Generator().manual_seed(5))
    b = mc(same, torch.Generator().manual_seed(5))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    # eight copies of one image give eight different views
    flat = a[0].flatten(1)
    assert torch.cdist(flat, flat).add(torch.eye(8) * 1e9).min() > 1e-3


def test_no_augmentation_and_full_scale_returns_the_normalised_image(batch):
    aug = AugmentSpec(flip_p=0, jitter_p=0, grayscale_p=0, blur_p=0)
    spec = MultiCropSpec(nmb_crops=[1], size_crops=[28], min_scale_crops=[1.0], max_scale_crops=[1.0])
    # scale 1 with a 3/4..4/3 ratio falls back to the whole image only when no box fits; force it
    mc = BatchMultiCrop(spec, [0.5], [0.25], aug)
    x = torch.zeros(2, 28, 28, 1, dtype=torch.uint8) + 128
    out = mc(x, torch.Generator().manual_seed(0))[0]
    torch.testing.assert_close(out, torch.full_like(out, (128 / 255 - 0.5) / 0.25), atol=1e-5, rtol=0)


def test_random_boxes_respect_scale_and_bounds():
    g = torch.Generator().manual_seed(0)
    boxes = random_boxes(4000, 28, 28, (0.2, 0.5), g)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 28 + 1e-4).all() and (boxes[:, 3] <= 28 + 1e-4).all()
    area = w * h / 28**2
    assert area.min() >= 0.2 - 1e-5 and area.max() <= 0.5 + 1e-5
    ratio = w / h
    assert ratio.min() >= 3 / 4 - 1e-4 and ratio.max() <= 4 / 3 + 1e-4


def test_colour_images_get_colour_jitter_and_grayscale():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (64, 16, 16, 3), generator=g, dtype=torch.uint8)
    aug = AugmentSpec(flip_p=0, jitter_p=0, grayscale_p=1.0, blur_p=0)
    spec = MultiCropSpec(nmb_crops=[1], size_crops=[16], min_scale_crops=[0.5], max_scale_crops=[1.0])
    out = BatchMultiCrop(spec, [0.0] * 3, [1.0] * 3, aug)(x, g)[0]
    torch.testing.assert_close(out[:, 0], out[:, 1])  # all grey


def _torchvision_jitter(img, d, i):
    from torchvision.transforms.v2 import functional as TF
    ops = [lambda t: TF.adjust_brightness(t, float(d.brightness[i])),
           lambda t: TF.adjust_contrast(t, float(d.contrast[i])),
           lambda t: TF.adjust_saturation(t, float(d.saturation[i])),
           lambda t: TF.adjust_hue(t, float(d.hue[i]))]
    for op in d.order[i].tolist():
        img = ops[op](img)
    return img


@pytest.mark.parametrize("channels", [3, 1])
def test_batched_colour_jitter_matches_torchvision_image_by_image(channels):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(32, channels, 8, 8, generator=g)
    d = draw_jitter(32, AugmentSpec(jitter_p=0.8), g)
    assert (d.brightness == 1).sum() in range(1, 32)  # some images left alone, some jittered
    out = apply_jitter(x, d)
    expected = torch.stack([_torchvision_jitter(x[i], d, i) for i in range(32)])
    # torchvision's grey is 0.2989 R + 0.587 G + 0.114 B, ours PIL's 0.299 R: 1e-4 apart
    torch.testing.assert_close(out, expected, atol=3e-4 if channels == 3 else 1e-6, rtol=0)

"""Batched crop + flip against torchvision's per-image functional ops."""

import pytest
import torch
import torchvision.transforms.v2.functional as TF

from mmcore.data.augment import crop_flip, draw_crop_flip

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize("padding,flip", [(2, True), (2, False), (4, True), (0, True)])
def test_equals_per_image_torchvision(padding, flip):
    x = torch.rand(16, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    out = crop_flip(x, padding, flip, torch.Generator().manual_seed(7))
    top, left, flips = draw_crop_flip(16, padding, flip, torch.Generator().manual_seed(7))
    for i in range(16):
        ref = TF.crop(TF.pad(x[i], [padding] * 4, fill=0), int(top[i]), int(left[i]), 32, 32)
        if flips[i]:
            ref = TF.horizontal_flip(ref)
        torch.testing.assert_close(out[i], ref, rtol=0, atol=0)
    if flip:
        assert flips.any() and not flips.all()


def test_no_padding_no_flip_is_identity_and_input_untouched():
    x = torch.rand(4, 1, 8, 8)
    before = x.clone()
    out = crop_flip(x, 0, False, torch.Generator().manual_seed(0))
    assert torch.equal(out, x) and torch.equal(x, before)


def test_seeded_and_shapes():
    x = torch.rand(8, 3, 64, 64)
    a = crop_flip(x, 4, True, torch.Generator().manual_seed(3))
    b = crop_flip(x, 4, True, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == x.shape
    assert a.is_contiguous(memory_format=torch.channels_last)

"""Convolutional bodies for image data, and the VDAE's image_shape option."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vdae import VDAE
from vdae.nn import Decoder
from vdae.nn.conv import ConvDecoder, ConvEncoder, _to_images, _to_rows, stage_sizes


def _bars(n: int, size: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n images (size × size) of one bright bar at a random row (label 0) or column (label 1)."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, size, size), np.float32)
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, size - 1, n)
    for i in range(n):
        if y[i] == 0:
            X[i, pos[i], :] = 1.0
        else:
            X[i, :, pos[i]] = 1.0
    return X.reshape(n, -1), y


@pytest.mark.parametrize("shape", [(28, 28), (28, 20), (9, 7, 3), (5, 5)])
def test_bodies_map_flat_images_to_vectors_and_back(shape):
    m = int(np.prod(shape))
    enc, dec = ConvEncoder(shape, 6, channels=(4, 8)), ConvDecoder(6, shape, channels=(4, 8))
    x = torch.randn(3, m)
    assert enc(x).shape == (3, 6)
    assert dec(enc(x)).shape == (3, m)


def test_stage_sizes_round_up_and_the_decoder_crops_back():
    assert stage_sizes(28, 20, 3) == [(28, 20), (14, 10), (7, 5), (4, 3)]
    assert stage_sizes(5, 5, 2) == [(5, 5), (3, 3), (2, 2)]


def test_image_layout_is_numpys_row_order_with_channels_last():
    a = np.arange(2 * 4 * 3 * 2, dtype=np.float32).reshape(2, 4, 3, 2)  # (b, h, w, c)
    rows = torch.from_numpy(a.reshape(2, -1))
    img = _to_images(rows, 4, 3, 2)
    assert img.shape == (2, 2, 4, 3)
    assert float(img[1, 1, 2, 0]) == a[1, 2, 0, 1]
    assert torch.equal(_to_rows(img), rows)


def test_a_conv_encoder_sees_spatial_structure():
    """Horizontal vs vertical bars: not separable by the pixels' mean, learnt in 150 steps."""
    X, y = _bars(400)
    torch.manual_seed(0)
    net = ConvEncoder((12, 12), 2, channels=(8, 16))
    opt = torch.optim.Adam(net.parameters(), 3e-3)
    xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(150):
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        opt.zero_grad(), loss.backward(), opt.step()
    Xv, yv = _bars(200, seed=1)
    acc = (net(torch.from_numpy(Xv)).argmax(1).numpy() == yv).mean()
    assert acc > 0.95


def test_decoder_with_image_shape_has_a_conv_body_and_keeps_the_standardisation():
    dec = Decoder(3, 12 * 12, image_shape=(12, 12), channels=(4, 8))
    assert isinstance(dec.net, ConvDecoder)
    X, _ = _bars(50)
    dec.set_data_scale(X)
    xt = torch.from_numpy(X)
    s = dec.standardize(xt)
    assert float(s.abs().max()) <= 1.0 + 1e-6
    z = torch.randn(5, 3)
    assert torch.allclose(dec(z), dec.standardized(z) * dec.x_scale + dec.x_mean)


def test_vdae_with_image_shape_fits_samples_and_round_trips(tmp_path):
    X, _ = _bars(300)
    model = VDAE(4, image_shape=(12, 12), conv_channels=(4, 8), epochs=3, encoder_epochs=3,
                 random_state=0, verbose=0).fit(X)
    assert isinstance(model.decoder_.net, ConvDecoder)
    S = model.sample(20, random_state=0)
    assert S.shape == (20, 144) and np.isfinite(S).all()
    path = tmp_path / "m.vdae"
    model.save(path)
    again = VDAE.load(path)
    assert np.array_equal(again.sample(20, random_state=0), S)


def test_image_shape_that_does_not_match_the_features_is_refused():
    X, _ = _bars(100)
    with pytest.raises(ValueError, match="image_shape"):
        VDAE(image_shape=(10, 10), epochs=1, verbose=0).fit(X)
    with pytest.raises(TypeError, match="image_shape"):  # not a shape at all
        VDAE(image_shape=(12, 0), epochs=1, verbose=0).fit(X)

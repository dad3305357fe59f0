"""8-bit codes: hand-computed values, and clipping before casting (no wrap-around)."""

from __future__ import annotations

import numpy as np

from embedlab.indexes.int8 import Int8Codec


def test_codes_by_hand() -> None:
    codec = Int8Codec.calibrate(np.array([[0.0, -1.0], [1.0, 1.0]], np.float32))
    np.testing.assert_allclose(codec.lo, [0, -1])
    np.testing.assert_allclose(codec.step, [1 / 255, 2 / 255])
    codes = codec.encode(np.array([[0.2, 0.6], [1.0, -1.0], [0.101, 0.01]], np.float32))
    assert codes.tolist() == [[51, 204], [255, 0], [26, 129]]  # 25.755 -> 26, 128.775 -> 129
    np.testing.assert_allclose(codec.decode(codes[:2]), [[0.2, 0.6], [1, -1]], atol=1e-6)


def test_out_of_range_values_saturate_instead_of_wrapping() -> None:
    codec = Int8Codec.calibrate(np.array([[0.0], [1.0]], np.float32))
    codes = codec.encode(np.array([[1.5], [-0.5], [1.004], [100.0]], np.float32))
    assert codes.ravel().tolist() == [255, 0, 255, 255]
    wrapped = (np.array([1.5, -0.5]) * 255).astype(np.int64).astype(np.uint8)  # cast first
    assert wrapped.tolist() != [255, 0]  # what clipping prevents: 382 -> 126, -127 -> 129


def test_a_constant_dimension_decodes_to_its_value() -> None:
    codec = Int8Codec.calibrate(np.array([[0.3, 0.0], [0.3, 1.0]], np.float32))
    back = codec.decode(codec.encode(np.array([[0.3, 0.5]], np.float32)))
    np.testing.assert_allclose(back[0, 0], 0.3, atol=1e-7)

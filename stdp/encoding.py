"""Encoding images as Poisson input rates.

Each pixel drives one input neuron, a Poisson process whose rate is
proportional to the pixel's intensity (Diehl & Cook 2015, §2.5):

    rate = pixel / 255 * (max_rate + retries * retry_rate_step)

With the original code's values a white pixel fires at 63.75 Hz (pixel/4),
and every re-presentation of an example that evoked too few spikes adds
31.875 Hz (pixel/8). The network looks the rates up in a table of
intensities (pixel/255) inside the generated code; this module makes that table.
"""

from __future__ import annotations

import numpy as np

__all__ = ["encode_images"]


def encode_images(images: np.ndarray) -> np.ndarray:
    """Turn uint8 images into the intensity table the network reads.

    Parameters
    ----------
    images : ndarray of uint8, shape (n_images, height, width)

    Returns
    -------
    ndarray of float64, shape (n_images, height * width)
        ``pixel / 255``; the input rate is this times the current maximum rate.

    Raises
    ------
    ValueError
        If the images are not uint8 or not a stack of 2-D images.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"images: expected uint8 pixels (0-255), got dtype {images.dtype}")
    if images.ndim != 3:
        raise ValueError(f"images: expected shape (n_images, height, width), got {images.shape}")
    return images.reshape(images.shape[0], -1).astype(np.float64) / 255.0

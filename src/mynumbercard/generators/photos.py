"""Synthetic portrait-like images for the tests and the benchmark (no real person).

A plain light background with a soft gradient, shoulders, a head with hair, eyes, brows and a
mouth, and a little sensor-like noise: enough structure for the exposure and sharpness checks.
It is not a face for a face detector; the evaluation set of later slices uses real photos.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter


def portrait(width: int = 600, height: int = 800, *, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    ys = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None]
    xs = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :]
    background = 215.0 + 20.0 * ys - 10.0 * xs  # a plain, slightly graded backdrop
    base = np.repeat((background * np.ones((height, width), np.float32))[..., None], 3, axis=2)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    w, h = width, height

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[int, int, int, int]:
        return (round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h))

    draw.ellipse(box(0.05, 0.72, 0.95, 1.30), fill=(40, 45, 70))  # shoulders, dark jacket
    draw.polygon(
        [
            box(0.42, 0.72, 0.5, 0.84)[:2],
            box(0.58, 0.72, 0.5, 0.84)[:2],
            box(0.5, 0.84, 0.5, 0.84)[:2],
        ],
        fill=(235, 235, 240),
    )  # shirt collar
    draw.rectangle(box(0.43, 0.58, 0.57, 0.76), fill=(205, 160, 130))  # neck
    draw.ellipse(box(0.30, 0.16, 0.70, 0.66), fill=(220, 175, 145))  # face
    draw.chord(box(0.28, 0.10, 0.72, 0.48), 180, 360, fill=(35, 25, 20))  # hair
    for i in range(0, 40):  # strands: fine detail in the hair
        x = 0.30 + 0.40 * i / 40
        draw.line(
            [box(x, 0.12, x + 0.01, 0.28)[:2], box(x, 0.12, x + 0.01, 0.28)[2:]],
            fill=(70, 55, 45),
            width=max(1, w // 400),
        )
    for cx in (0.41, 0.59):
        draw.ellipse(box(cx - 0.05, 0.355, cx + 0.05, 0.395), fill=(250, 250, 250))  # eye
        draw.ellipse(box(cx - 0.02, 0.36, cx + 0.02, 0.39), fill=(40, 30, 25))  # iris
        draw.line(
            [box(cx - 0.06, 0.325, 0, 0)[:2], box(cx + 0.06, 0.32, 0, 0)[:2]],
            fill=(50, 35, 30),
            width=max(2, w // 150),
        )  # brow
    draw.line(
        [box(0.5, 0.40, 0, 0)[:2], box(0.48, 0.49, 0, 0)[:2]],
        fill=(180, 130, 110),
        width=max(1, w // 300),
    )  # nose
    draw.chord(box(0.43, 0.51, 0.57, 0.57), 0, 180, fill=(170, 80, 80))  # mouth
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0.0, 2.0, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), "RGB")


def darkened(image: Image.Image, factor: float = 0.2) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(factor)


def brightened(image: Image.Image, factor: float = 1.8) -> Image.Image:
    return ImageEnhance.Brightness(image).enhance(factor)


def blurred(image: Image.Image, fraction: float = 0.008) -> Image.Image:
    """Gaussian blur with a radius proportional to the image's long side."""
    return image.filter(ImageFilter.GaussianBlur(max(image.size) * fraction))


def encode(image: Image.Image, kind: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        options.setdefault("quality", 92)
    image.save(out, kind, **options)
    return out.getvalue()

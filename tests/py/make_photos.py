"""The photos the tutorial-flow tests feed (committed as tests/images/photo.png and photo.jpg):
smooth colour fields with a few discs and a little seeded noise, landscape 320×240 as PNG and
portrait 240×320 as JPEG, so that resize and crop see both orientations and both decoders run.

usage: make_photos.py [OUT_DIR]   (default: tests/images beside this script)
"""
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "images")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def photo(w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([255 * x / w, 255 * y / h, 128 + 100 * np.sin(x / 17 + y / 23)], axis=-1)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(15, 60)
        disc = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        img[disc] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 6, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


photo(320, 240).save(os.path.join(out, "photo.png"), optimize=True)
photo(240, 320).save(os.path.join(out, "photo.jpg"), quality=90)

"""torchvision's ImageNet preprocessing, spelled out with Pillow and numpy as its transforms do it
on PIL images: Resize(S) (shorter side to S, bilinear with antialias, the longer side
int(S * long / short)), CenterCrop(C) (offsets rounded half to even), ToTensor (/255, CHW),
Normalize(ImageNet mean/std); the images stacked into one NCHW batch.

An IMAGE ending in .npy is a decoded H×W×3 array of 0–255 values (another decoder's pixels), so
that the resize and crop can be checked apart from the JPEG decoder.

RESIZE 0 saves the decoded pixels alone (N×H×W×3, 0–255), to compare decoders.

usage: torchvision_preprocess.py OUT.npy RESIZE CROP IMAGE...
"""
import sys

import numpy as np
from PIL import Image

out, size, crop, paths = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
mean = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
std = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
batch = []
for p in paths:
    if p.endswith(".npy"):
        img = Image.fromarray(np.load(p).reshape(np.load(p).shape[-3:]).astype(np.uint8), "RGB")
    else:
        img = Image.open(p).convert("RGB")
    if size == 0:
        batch.append(np.asarray(img, np.float32))
        continue
    w, h = img.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    img = img.resize((nw, nh), Image.BILINEAR)
    top, left = int(round((nh - crop) / 2.0)), int(round((nw - crop) / 2.0))
    img = img.crop((left, top, left + crop, top + crop))
    x = np.asarray(img, np.float32).transpose(2, 0, 1) / 255.0
    batch.append((x - mean) / std)
np.save(out, np.stack(batch).astype(np.float32))

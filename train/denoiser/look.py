#!/usr/bin/env python3
"""Samples fills with a checkpoint's EMA weights, for looking at while training: DDIM with data
consistency (ddpm.py) on erase holes and rings drawn from a dataset with a fixed seed, written
as PNG sheets (rows: original | hole in grey | fill), scaled up 3x.

    /usr/bin/python3 train/denoiser/look.py --data ../shared/data/consep-train \\
        --checkpoint models/denoiser/checkpoint.pt --out /tmp/denoiser-look [--steps 20] [--n 6]

The sheets hold crops of the dataset: keep them out of the repository.
"""
import argparse
import os
import sys

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crops import Dataset  # noqa: E402
from ddpm import ddim_inpaint  # noqa: E402
from unet import UNet  # noqa: E402


def to_uint8(x):
    """[3,S,S] in [-1, 1] -> S x S x 3 uint8 (the contract's rounding: (x + 1) * 127.5)."""
    return np.clip(np.rint((x.numpy().transpose(1, 2, 0) + 1) * 127.5), 0, 255).astype(np.uint8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--data', required=True)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--n', type=int, default=6, help='crops per kind')
    p.add_argument('--seed', type=int, default=12345)
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.checkpoint, map_location='cpu')
    cfg = ck['config']
    model = UNet(cfg['channels'], cfg['attention'], cfg['conditioning'])
    model.load_state_dict(ck['ema'])
    model.eval()
    data = Dataset(args.data, cfg['tile'])
    rng = np.random.Generator(np.random.PCG64(args.seed))
    os.makedirs(args.out, exist_ok=True)
    for kind, share in (('erase', 1.0), ('ring', 0.0)):
        x0, m = data.batch(rng, args.n, share)
        x0, m = torch.from_numpy(x0), torch.from_numpy(m)
        fill = ddim_inpaint(model, x0, m, steps=args.steps, generator=torch.Generator().manual_seed(args.seed))
        grey = x0 * (1 - m) + 0.0 * m
        rows = [np.concatenate([to_uint8(x0[i]), to_uint8(grey[i]), to_uint8(fill[i])], axis=1) for i in range(args.n)]
        sheet = Image.fromarray(np.concatenate(rows, axis=0))
        sheet = sheet.resize((sheet.width * 3, sheet.height * 3), Image.NEAREST)
        path = os.path.join(args.out, f'{kind}-step{ck["step"]}-ddim{args.steps}.png')
        sheet.save(path)
        print(path)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Exports a training checkpoint's EMA weights as <name>.onnx + <name>.json (the model card),
following the denoiser model contract in models/README.md.

    /usr/bin/python3 train/denoiser/export.py --checkpoint models/denoiser/checkpoint.pt \\
        --out models/denoiser [--name denoiser]

ONNX: opset 13, inputs x [B,3,S,S], t [B], known [B,3,S,S], mask [B,1,S,S] (mask-conditioned
models; x and t only otherwise), output eps [B,3,S,S], B dynamic. Checked with onnx.checker
(python3-onnx); the numbers are checked against onnxruntime-node by
test/inpaint/diffusion-export.test.ts on a tiny model (export_fixture.py).
"""
import argparse
import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crops import sha256_file  # noqa: E402
from unet import UNet  # noqa: E402

OPSET = 13
NORMALISATION = {'scale': 127.5, 'offset': 1}

TRAINING_DATA_TERMS = (
    'CoNSeP (Graham et al., "HoVer-Net", Medical Image Analysis 2019), released by the TIA Centre, '
    'University of Warwick, for research use; cite the paper. Only its training split (27 images) '
    'was used. No licence file accompanies the copy used here; check the dataset page before '
    'any non-research use of weights derived from it.'
)


def input_names(conditioning):
    return ['x', 't', 'known', 'mask'] if conditioning == 'mask' else ['x', 't']


def export_onnx(model, path, tile, conditioning, batch=2):
    """torch.onnx.export of `model` with a dynamic batch axis, then onnx.checker."""
    model.eval()
    names = input_names(conditioning)
    args = [torch.zeros(batch, 3, tile, tile), torch.zeros(batch)]
    if conditioning == 'mask':
        args += [torch.zeros(batch, 3, tile, tile), torch.zeros(batch, 1, tile, tile)]
    axes = {n: {0: 'B'} for n in names + ['eps']}
    tmp = path + '.tmp'
    with torch.no_grad():
        torch.onnx.export(model, tuple(args), tmp, input_names=names, output_names=['eps'], dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    try:
        import onnx

        onnx.checker.check_model(onnx.load(tmp))
    except ImportError:
        print('python3-onnx is not installed: skipped onnx.checker', file=sys.stderr)
    os.replace(tmp, path)


def subsample(curve, n=200):
    """At most n points of [[step, loss], ...], evenly spaced, always keeping the last."""
    if len(curve) <= n:
        return curve
    idx = sorted({round(i * (len(curve) - 1) / (n - 1)) for i in range(n)})
    return [curve[i] for i in idx]


def model_card(cfg, onnx_path, parameters, training, licence):
    return {
        'format': 'nucleimix-denoiser',
        'version': 1,
        'tile': cfg['tile'],
        'conditioning': cfg['conditioning'],
        'normalisation': NORMALISATION,
        'schedule': cfg['schedule'],
        'inputs': input_names(cfg['conditioning']),
        'output': 'eps',
        'gradient': None,
        'parameters': parameters,
        'architecture': {'kind': 'unet', 'channels': cfg['channels'], 'attention': cfg['attention'], 'opset': OPSET},
        'training': training,
        'licence': licence,
        'sha256': sha256_file(onnx_path),
    }


def export_checkpoint(ckpt_path, out_dir, name='denoiser'):
    ck = torch.load(ckpt_path, map_location='cpu')
    cfg = ck['config']
    model = UNet(cfg['channels'], cfg['attention'], cfg['conditioning'])
    model.load_state_dict(ck['ema'])
    onnx_path = os.path.join(out_dir, name + '.onnx')
    export_onnx(model, onnx_path, cfg['tile'], cfg['conditioning'])
    training = {
        'data': os.path.basename(os.path.normpath(cfg['data'])),
        'images': ck['files'],
        'steps': ck['step'],
        'batch': cfg['batch'],
        'lr': cfg['lr'],
        'warmup': cfg['warmup'],
        'seed': cfg['seed'],
        'ema': cfg['ema'],
        'loss': 'MSE on eps, weight 1 at unknown pixels and %g at known ones' % cfg['known_weight'],
        'masks': {
            'erase': {'share': cfg['erase_share'], 'what': 'a real nucleus shape from inst_map, randomly rotated and flipped, grown 2 px (4-connected), over nucleus-free tissue (>= 3 px from every nucleus, not glass)'},
            'ring': {'share': round(1 - cfg['erase_share'], 6), 'what': 'r3 \\ r1 around a real nucleus (r_k = the nucleus dilated k times, 4-connected), everything else known'},
            'crop': 'tile x tile centred on the mask, from the image reflect-padded by one tile; crops over 50% glass skipped; random D4 turn',
        },
        'lossCurve': subsample(ck['losses']),
        'wallSeconds': round(ck['wall'], 1),
        'device': ck['devices'],
    }
    card = model_card(cfg, onnx_path, ck['parameters'], training, {'model': 'MIT', 'trainingData': TRAINING_DATA_TERMS})
    card_path = os.path.join(out_dir, name + '.json')
    with tempfile.NamedTemporaryFile('w', dir=out_dir, delete=False, suffix='.tmp') as f:
        json.dump(card, f, indent=2)
        f.write('\n')
    os.chmod(f.name, 0o644)
    os.replace(f.name, card_path)
    print(f'{onnx_path}: {os.path.getsize(onnx_path)} bytes, step {ck["step"]}; {card_path}', flush=True)
    return onnx_path, card_path


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--out', required=True)
    p.add_argument('--name', default='denoiser')
    p.add_argument('--threads', type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    export_checkpoint(args.checkpoint, args.out, args.name)


if __name__ == '__main__':
    main()

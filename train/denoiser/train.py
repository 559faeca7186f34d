#!/usr/bin/env python3
"""Trains nucleimix's mask-conditioned denoiser: an eps-prediction DDPM (linear schedule,
T = 1000) UNet on S x S crops of a dataset's images, centred on erase holes and rings
(crops.py), then exports ONNX + model card (export.py).

    /usr/bin/python3 train/denoiser/train.py --data ../shared/data/consep-train \\
        --out models/denoiser --steps 20000 [--resume] [--threads 1] [--device cpu|cuda]

Loss: MSE between the predicted and the true eps, weighted 1 at unknown pixels and
`--known-weight` (0.1) at known ones: the sampler overwrites the known pixels at every step
(data consistency), so the model's output there only matters as a regulariser.

Checkpoint: <out>/checkpoint.pt, ONE file, replaced atomically (written beside, then renamed)
every `--save-every` seconds, at the end and on SIGTERM/SIGINT. It holds the weights (fp32),
their exponential moving average (fp32; what is exported), Adam's moments in bfloat16 (to stay
under 30 MB; bfloat16 keeps float32's range, so the second moments do not underflow), the
step, the RNG states of the crop sampler and of torch, the loss curve and the wall time.
`--resume` continues from it with the architecture and settings it records (--steps, and --lr, --batch, --save-every,
--log-every when given, apply from then on).

Log: one JSON line per `--log-every` steps to stdout and <out>/train-log.jsonl.
"""
import argparse
import json
import math
import os
import random
import signal
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crops import Dataset  # noqa: E402
from ddpm import SCHEDULE, alpha_bars  # noqa: E402
from unet import UNet, parameter_count  # noqa: E402

CHECKPOINT = 'checkpoint.pt'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--data', required=True, help='dataset root (Images/*.png + Labels/*.mat with inst_map)')
    p.add_argument('--out', required=True, help='model folder: checkpoint.pt, train-log.jsonl, <name>.onnx + <name>.json')
    p.add_argument('--steps', type=int, required=True, help='train until this many steps in all (counting resumed ones)')
    p.add_argument('--resume', action='store_true', help='continue from <out>/checkpoint.pt')
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads (default 1: OpenMP spin-waits make 2 slower on a busy 2-core machine)')
    p.add_argument('--device', choices=['cpu', 'cuda', 'auto'], default='auto', help='default: cuda when available')
    p.add_argument('--batch', type=int, default=None, help='default 16 (on --resume: the checkpoint\'s)')
    p.add_argument('--lr', type=float, default=None, help='peak learning rate, default 5e-4 (on --resume: the checkpoint\'s)')
    p.add_argument('--warmup', type=int, default=200, help='linear learning-rate warm-up steps')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--tile', type=int, default=64)
    p.add_argument('--channels', default='32,64,96,96', help='UNet width per resolution level')
    p.add_argument('--no-attention', action='store_true')
    p.add_argument('--erase-share', type=float, default=0.5, help='share of erase masks (the rest are rings)')
    p.add_argument('--known-weight', type=float, default=0.1, help='loss weight of known pixels (unknown = 1)')
    p.add_argument('--ema', type=float, default=0.999, help='EMA decay of the exported weights')
    p.add_argument('--save-every', type=float, default=None, help='seconds between checkpoints, default 300')
    p.add_argument('--log-every', type=int, default=None, help='default 10')
    p.add_argument('--export', default='denoiser', help='name of the ONNX + card written at the end ("" for none)')
    return p.parse_args(argv)


def pack_optimizer(state):
    """Adam's state with its moment tensors in bfloat16."""
    out = {'param_groups': state['param_groups'], 'state': {}}
    for k, s in state['state'].items():
        out['state'][k] = {n: (v.to(torch.bfloat16) if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
    return out


def unpack_optimizer(state, device):
    out = {'param_groups': state['param_groups'], 'state': {}}
    for k, s in state['state'].items():
        out['state'][k] = {n: (v.to(device=device, dtype=torch.float32) if torch.is_tensor(v) and v.dim() > 0 else v) for n, v in s.items()}
    return out


def save_atomic(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault('OMP_NUM_THREADS', str(args.threads))
    torch.set_num_threads(args.threads)
    device = torch.device('cuda' if args.device == 'cuda' or (args.device == 'auto' and torch.cuda.is_available()) else 'cpu')
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, CHECKPOINT)

    ckpt = None
    if args.resume:
        if not os.path.exists(ckpt_path):
            raise SystemExit(f'{ckpt_path}: no checkpoint to resume from')
        ckpt = torch.load(ckpt_path, map_location='cpu')
        config = ckpt['config']
        config['steps'] = args.steps
        for key in ('lr', 'batch', 'save_every', 'log_every'):
            if getattr(args, key) is not None:
                config[key] = getattr(args, key)
    else:
        defaults = {'lr': 5e-4, 'batch': 16, 'save_every': 300, 'log_every': 10}
        for key, value in defaults.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        config = {
            'data': os.path.abspath(args.data), 'tile': args.tile, 'channels': [int(c) for c in args.channels.split(',')],
            'attention': not args.no_attention, 'conditioning': 'mask', 'batch': args.batch, 'lr': args.lr,
            'warmup': args.warmup, 'seed': args.seed, 'erase_share': args.erase_share, 'known_weight': args.known_weight,
            'ema': args.ema, 'steps': args.steps, 'save_every': args.save_every, 'log_every': args.log_every, 'schedule': SCHEDULE,
        }

    random.seed(config['seed'])
    torch.manual_seed(config['seed'])
    data = Dataset(args.data, config['tile'])
    model = UNet(config['channels'], config['attention'], config['conditioning']).to(device)
    ema = UNet(config['channels'], config['attention'], config['conditioning']).to(device)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=config['lr'], weight_decay=0.0)
    rng = np.random.Generator(np.random.PCG64(config['seed']))
    gen = torch.Generator().manual_seed(config['seed'])
    step, wall, losses, devices = 0, 0.0, [], []
    if ckpt is not None:
        model.load_state_dict(ckpt['model'])
        ema.load_state_dict(ckpt['ema'])
        opt.load_state_dict(unpack_optimizer(ckpt['optimizer'], device))
        rng.bit_generator.state = ckpt['rng']['numpy']
        gen.set_state(ckpt['rng']['torch'])
        step, wall, losses, devices = ckpt['step'], ckpt['wall'], ckpt['losses'], ckpt.get('devices', [])
        print(f'resumed from {ckpt_path} at step {step}', flush=True)
    dev_name = torch.cuda.get_device_name(device) if device.type == 'cuda' else f'cpu ({args.threads} thread{"s" if args.threads > 1 else ""})'
    devices.append({'fromStep': step, 'device': dev_name})
    print(json.dumps({'parameters': parameter_count(model), 'device': dev_name, 'images': len(data.images), 'nuclei': len(data.nuclei), 'config': config}), flush=True)

    ab = torch.tensor(alpha_bars(config['schedule']), dtype=torch.float32)
    T = config['schedule']['T']

    def checkpoint():
        save_atomic({
            'format': 'nucleimix-denoiser-checkpoint', 'config': config, 'step': step, 'wall': wall,
            'model': {k: v.detach().cpu() for k, v in model.state_dict().items()},
            'ema': {k: v.detach().cpu() for k, v in ema.state_dict().items()},
            'optimizer': pack_optimizer(opt.state_dict()),
            'rng': {'numpy': rng.bit_generator.state, 'torch': gen.get_state()},
            'losses': losses, 'devices': devices, 'files': data.files, 'parameters': parameter_count(model),
        }, ckpt_path)

    stop = {'now': False}

    def on_signal(signum, _frame):
        stop['now'] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    log = open(os.path.join(args.out, 'train-log.jsonl'), 'a')
    last_save = time.time()
    acc, acc_n = 0.0, 0
    model.train()
    while step < config['steps'] and not stop['now']:
        t0 = time.time()
        x0_np, m_np = data.batch(rng, config['batch'], config['erase_share'])
        x0 = torch.from_numpy(x0_np).to(device)
        mask = torch.from_numpy(m_np).to(device)
        t = torch.randint(0, T, (config['batch'],), generator=gen)
        noise = torch.randn(x0.shape, generator=gen).to(device)
        a = ab[t].to(device)[:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        known = x0 * (1 - mask)
        pred = model(xt, t.float().to(device), known, mask)
        w = mask + config['known_weight'] * (1 - mask)
        loss = (w * (pred - noise) ** 2).sum() / (w.sum() * 3)
        lr = config['lr'] * min(1.0, (step + 1) / max(1, config['warmup']))
        for g in opt.param_groups:
            g['lr'] = lr
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        decay = min(config['ema'], (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1 - decay)
        step += 1
        wall += time.time() - t0
        acc += loss.item()
        acc_n += 1
        if not math.isfinite(loss.item()):
            raise SystemExit(f'loss is {loss.item()} at step {step}')
        if step % config['log_every'] == 0 or step == config['steps']:
            row = {'step': step, 'loss': round(acc / acc_n, 5), 'lr': lr, 'wall': round(wall, 1), 'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
            losses.append([step, row['loss']])
            print(json.dumps(row), flush=True)
            log.write(json.dumps(row) + '\n')
            log.flush()
            acc, acc_n = 0.0, 0
        if time.time() - last_save > config['save_every']:
            checkpoint()
            last_save = time.time()
    checkpoint()
    print(f'saved {ckpt_path} at step {step}', flush=True)
    if step >= config['steps'] and args.export:
        from export import export_checkpoint

        export_checkpoint(ckpt_path, args.out, args.export)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Converts an openai/guided-diffusion (ADM) UNet checkpoint to a nucleimix denoiser: an ONNX
ε model of the model contract (models/README.md), its model card, and with --gradient the MCG
gradient model the diffusion engine takes.

    /usr/bin/python3 train/denoiser/convert_guided.py --checkpoint 256x256_diffusion_uncond.pt \\
        --out models/adm256 --name adm256 [--gradient] $MODEL_FLAGS

where MODEL_FLAGS are the flags the checkpoint was trained with, as guided-diffusion's scripts
take them (`--image_size 256 --num_channels 256 --learn_sigma True ...`), or `--config
flags.json` holding them as a JSON object. Flags not given take guided-diffusion's defaults
(script_util.model_and_diffusion_defaults), so give all the checkpoint was trained with.

What it writes (into --out, from a staging folder moved in at the end, the card last):
- `<name>.onnx`: inputs x [B,3,S,S] (x_t in [-1, 1]) and t [B] (the timestep 0..T-1 as a
  float), output eps [B,3,S,S]; with learn_sigma the variance channels are dropped. Opset 13,
  B dynamic. A model over 2 GB (protobuf's limit; ADM-256 is 2.2 GB in float32) keeps its
  weights in `<name>.onnx.data` beside it (ONNX external data), hashed in the card.
- `<name>-grad.onnx` (--gradient): inputs x, t, y [B,3,S,S] (the known pixels, 0 at unknown
  ones), mask [B,1,S,S] (1 = unknown); output grad = ∇_{x_t}‖(1−m)⊙(y − x̂₀(x_t))‖² with
  x̂₀ = (x_t − √(1−ᾱ_t)·ε)/√ᾱ_t, computed by the UNet's hand-written vector-Jacobian product
  (adm.py): ONNX has no autograd. Its sha256 is the card's gradientSha256.
- `<name>.json`: the model card: conditioning "none", tile = image_size, the noise schedule
  from diffusion_steps and noise_schedule (linear: guided-diffusion's betas scaled by 1000/T;
  cosine: Nichol & Dhariwal 2021), the flags, the checkpoint's sha256, parameter and FLOP
  counts, and the licence you state (--licence-model, --licence-data).

The weights are loaded strictly: every tensor of the checkpoint must be a parameter of the
model the flags describe and the other way round, with the same shape; otherwise the error
lists what differs and what flag to look at.
"""
import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from adm import AdmConfig, AdmUNet, parameter_count  # noqa: E402

OPSET = 13
NORMALISATION = {'scale': 127.5, 'offset': 1}
PROTOBUF_LIMIT = 2 * 1024 ** 3

# The flags of guided-diffusion's model_and_diffusion_defaults and how each is read.
INT_FLAGS = ('image_size', 'num_channels', 'num_res_blocks', 'num_heads', 'num_heads_upsample', 'num_head_channels', 'diffusion_steps')
BOOL_FLAGS = ('learn_sigma', 'use_scale_shift_norm', 'resblock_updown', 'use_new_attention_order', 'class_cond', 'rescale_timesteps', 'predict_xstart')
IGNORED_FLAGS = ('use_fp16', 'use_checkpoint', 'timestep_respacing', 'use_kl', 'rescale_learned_sigmas')


class ConversionError(Exception):
    """A problem with the checkpoint or the flags; the message says which and what to do."""


def str2bool(v):
    if isinstance(v, bool):
        return v
    s = str(v).lower()
    if s in ('true', 't', 'yes', 'y', '1'):
        return True
    if s in ('false', 'f', 'no', 'n', '0'):
        return False
    raise ConversionError(f'not a boolean: {v!r} (True or False)')


def config_from_flags(flags):
    """AdmConfig from a dict of guided-diffusion flags (strings as on its command line, or JSON values)."""
    cfg = AdmConfig()
    known = set(INT_FLAGS) | set(BOOL_FLAGS) | set(IGNORED_FLAGS) | {'attention_resolutions', 'channel_mult', 'dropout', 'noise_schedule'}
    unknown = sorted(set(flags) - known)
    if unknown:
        raise ConversionError(f'unknown flag(s) {", ".join(unknown)}; the model flags are {", ".join(sorted(known))}')
    for k, v in flags.items():
        if v is None:
            continue
        try:
            if k in INT_FLAGS:
                setattr(cfg, k, int(v))
            elif k in BOOL_FLAGS:
                setattr(cfg, k, str2bool(v))
            elif k == 'dropout':
                cfg.dropout = float(v)
            elif k == 'noise_schedule':
                cfg.noise_schedule = str(v)
            elif k == 'attention_resolutions':
                cfg.attention_resolutions = tuple(int(r) for r in (v.split(',') if isinstance(v, str) else v) if str(r).strip() != '')
            elif k == 'channel_mult':
                parts = v.split(',') if isinstance(v, str) else v
                cfg.channel_mult = tuple(float(m) if float(m) != int(float(m)) else int(float(m)) for m in parts if str(m).strip() != '')
            else:
                cfg.ignored[k] = v
        except ValueError as err:
            raise ConversionError(f'flag {k}: {err}') from None
    try:
        cfg.check()
    except ValueError as err:
        raise ConversionError(str(err)) from None
    return cfg


def schedule_card(cfg):
    """The card's schedule object for the diffusion flags."""
    T = cfg.diffusion_steps
    if cfg.noise_schedule == 'linear':
        # guided-diffusion's get_named_beta_schedule: Ho et al.'s 1e-4 .. 0.02 over 1000 steps, scaled by 1000/T.
        scale = 1000 / T
        return {'kind': 'linear', 'T': T, 'betaStart': scale * 0.0001, 'betaEnd': scale * 0.02}
    return {'kind': 'cosine', 'T': T, 's': 0.008, 'maxBeta': 0.999}


def alphas_cumprod(schedule):
    """ᾱ_t, t = 0..T-1, float64, as src/inpaint/diffusion/schedule.ts computes it."""
    T = schedule['T']
    if schedule['kind'] == 'linear':
        betas = np.linspace(schedule['betaStart'], schedule['betaEnd'], T, dtype=np.float64)
    else:
        s, max_beta = schedule['s'], schedule['maxBeta']
        f = lambda u: math.cos((u + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
        betas = np.array([min(1 - f((i + 1) / T) / f(i / T), max_beta) for i in range(T)], dtype=np.float64)
    return np.cumprod(1.0 - betas)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 22), b''):
            h.update(chunk)
    return h.hexdigest()


def read_state_dict(path):
    """The UNet's tensors from a checkpoint: a state dict as guided-diffusion saves it, or one
    under 'state_dict' / 'model' / 'ema'; 'module.' prefixes (DataParallel) are removed; every
    floating tensor becomes float32 (fp16 checkpoints convert; the export is float32)."""
    try:
        obj = torch.load(path, map_location='cpu')
    except Exception as err:  # noqa: BLE001 - torch raises many kinds here
        raise ConversionError(f'{path}: not a torch checkpoint ({type(err).__name__}: {str(err).splitlines()[0] if str(err) else ""})') from None
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ('state_dict', 'model', 'ema'):
            if key in obj and isinstance(obj[key], dict) and not torch.is_tensor(obj.get(key)):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not obj or not all(torch.is_tensor(v) for v in obj.values()):
        raise ConversionError(f'{path}: expected a state dict (parameter name -> tensor), got {type(obj).__name__}')
    out = {}
    for k, v in obj.items():
        k = k[len('module.'):] if k.startswith('module.') else k
        out[k] = v.float() if v.is_floating_point() else v
    return out


def _hints(cfg, missing, unexpected, shapes, sd):
    hints = []
    w = sd.get('out.2.weight')
    if w is not None and w.shape[0] in (3, 6) and (w.shape[0] == 6) != cfg.learn_sigma:
        hints.append(f'out.2.weight has {w.shape[0]} outputs: learn_sigma {w.shape[0] == 6}')
    w = sd.get('time_embed.0.weight')
    if w is not None and w.shape[1] != cfg.num_channels:
        hints.append(f'time_embed.0.weight takes {w.shape[1]} inputs: num_channels {w.shape[1]}')
    if 'label_emb.weight' in unexpected:
        hints.append('label_emb.weight: a class-conditional checkpoint (class_cond True), which nucleimix cannot use')
    if any('.qkv.' in k or '.proj_out.' in k for k in missing + unexpected):
        hints.append('attention layers differ: check attention_resolutions')
    if any(k.startswith(('input_blocks', 'output_blocks')) for k in missing + unexpected):
        hints.append('block layout differs: check num_res_blocks, channel_mult and resblock_updown')
    if any(k.endswith('emb_layers.1.weight') for k, _, _ in shapes):
        hints.append('emb_layers shapes differ: check use_scale_shift_norm')
    return hints


def load_model(cfg, state_dict, source='checkpoint'):
    """AdmUNet of `cfg` with the checkpoint's weights, strictly; eval mode, float32."""
    with _no_init():
        model = AdmUNet(cfg)
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    shapes = [(k, tuple(state_dict[k].shape), tuple(own[k].shape)) for k in own if k in state_dict and state_dict[k].shape != own[k].shape]
    if missing or unexpected or shapes:
        lines = [f'{source}: its weights do not fit the model the flags describe ({len(missing)} missing, {len(unexpected)} unexpected, {len(shapes)} of another shape)']
        lines += [f'  missing: {k}' for k in missing[:8]] + ([f'  … {len(missing) - 8} more missing'] if len(missing) > 8 else [])
        lines += [f'  unexpected: {k}' for k in unexpected[:8]] + ([f'  … {len(unexpected) - 8} more unexpected'] if len(unexpected) > 8 else [])
        lines += [f'  {k}: checkpoint {a}, model {b}' for k, a, b in shapes[:8]] + ([f'  … {len(shapes) - 8} more shapes differ'] if len(shapes) > 8 else [])
        lines += [f'  hint: {h}' for h in _hints(cfg, missing, unexpected, shapes, state_dict)]
        raise ConversionError('\n'.join(lines))
    model.load_state_dict(state_dict, strict=True)
    return model.float().eval()


class _no_init:
    """Skips the random initialisation while a model is built (its weights are all loaded
    afterwards): ADM-256's 554M parameters would take minutes to initialise on a CPU."""

    def __enter__(self):
        self.patched = []
        for cls in (nn.Linear, nn.Conv1d, nn.Conv2d, nn.GroupNorm):
            self.patched.append((cls, cls.reset_parameters))
            cls.reset_parameters = lambda self: None
        return self

    def __exit__(self, *exc):
        for cls, fn in self.patched:
            cls.reset_parameters = fn
        return False


class EpsModel(nn.Module):
    """The contract's ε model: (x, t) -> the first 3 output channels, t scaled as the model was trained."""

    def __init__(self, unet, t_scale):
        super().__init__()
        self.unet = unet
        self.t_scale = t_scale

    def forward(self, x, t):
        tt = t * self.t_scale if self.t_scale != 1 else t
        return self.unet(x, tt)[:, :3]


class GradModel(nn.Module):
    """MCG's gradient ∇_{x_t}‖(1−m)⊙(y − x̂₀(x_t))‖² = −2·(w − √(1−ᾱ_t)·J^T w)/√ᾱ_t with
    w = (1−m)²⊙(y − x̂₀) and J = ∂ε/∂x_t, J^T w by the UNet's vector-Jacobian product; √ᾱ_t
    and √(1−ᾱ_t) are gathered from float32 tables by the integer timestep."""

    def __init__(self, unet, abar, t_scale):
        super().__init__()
        self.unet = unet
        self.t_scale = t_scale
        self.register_buffer('sa', torch.tensor(np.sqrt(abar), dtype=torch.float32))
        self.register_buffer('s1a', torch.tensor(np.sqrt(1.0 - abar), dtype=torch.float32))

    def forward(self, x, t, y, mask):
        ti = t.round().long()
        sa = self.sa[ti].reshape(-1, 1, 1, 1)
        s1a = self.s1a[ti].reshape(-1, 1, 1, 1)
        eps, cache = self.unet.eps_and_cache(x, t * self.t_scale if self.t_scale != 1 else t)
        x0 = (x - s1a * eps) / sa
        keep = 1 - mask
        w = keep * keep * (y - x0)
        return -2 * (w - s1a * self.unet.eps_vjp(cache, w)) / sa


def export_graph(model, args, input_names, output_name, path, force_external=False):
    """torch.onnx.export (opset 13, B dynamic) to `path`, checked with onnx.checker; the output is
    declared [B, …] with the first input's other dims. A model over protobuf's 2 GB (or any, with
    force_external) gets its weights in one file `<path>.data` beside it. Returns the external
    data file's name or None. Written in a temporary folder beside `path` and moved in place."""
    import onnx

    out_dir = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    tmp = tempfile.mkdtemp(dir=out_dir, prefix='.convert-')
    try:
        raw = os.path.join(tmp, 'raw', name)
        os.makedirs(os.path.dirname(raw))
        axes = {n: {0: 'B'} for n in list(input_names) + [output_name]}
        with torch.no_grad():
            torch.onnx.export(model, tuple(args), raw, input_names=list(input_names), output_names=[output_name], dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
        spilled = len(os.listdir(os.path.dirname(raw))) > 1  # torch wrote each tensor to a file of its own
        external = None
        final = os.path.join(tmp, name)
        m = onnx.load(raw)  # reads spilled tensors back
        # The tracer leaves the output's spatial dims symbolic (after a Slice or Div); the
        # contract fixes them: [B, 3, S, S] like x.
        x_dims = m.graph.input[0].type.tensor_type.shape.dim
        for d_out, d_in in zip(list(m.graph.output[0].type.tensor_type.shape.dim)[1:], list(x_dims)[1:]):
            d_out.Clear()
            d_out.dim_value = d_in.dim_value
        if spilled or force_external or os.path.getsize(raw) > PROTOBUF_LIMIT:
            external = name + '.data'
            # Tensors under 1 kB stay in the graph file (all of them when forced: a test wants some outside).
            onnx.save_model(m, final, save_as_external_data=True, all_tensors_to_one_file=True, location=external, size_threshold=0 if force_external else 1024)
            if not os.path.exists(os.path.join(tmp, external)):
                external = None
        else:
            onnx.save_model(m, final)
        del m
        onnx.checker.check_model(final)  # by path: follows external data
        for f in ([external] if external else []) + [name]:
            os.replace(os.path.join(tmp, f), os.path.join(out_dir, f))
        return external
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_json(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile('w', dir=d, delete=False, suffix='.tmp', encoding='utf-8') as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write('\n')
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)


def convert(checkpoint, out_dir, name, cfg, gradient=False, licence_model=None, licence_data=None, force_external=False, batch=2):
    """The whole conversion; returns the card (a dict). Raises ConversionError for bad input.
    Everything is written into a staging folder inside `out_dir` and moved in at the end, the
    card last, so a failed run leaves no model without its card."""
    state = read_state_dict(checkpoint)
    model = load_model(cfg, state, checkpoint)
    del state
    os.makedirs(out_dir, exist_ok=True)
    stage = tempfile.mkdtemp(dir=out_dir, prefix='.stage-')
    try:
        S = cfg.image_size
        schedule = schedule_card(cfg)
        t_scale = 1000.0 / cfg.diffusion_steps if cfg.rescale_timesteps else 1.0
        x = torch.randn(batch, 3, S, S, generator=torch.Generator().manual_seed(0))
        t = torch.full((batch,), float(schedule['T'] // 2))
        files = [name + '.onnx']
        external = export_graph(EpsModel(model, t_scale), (x, t), ['x', 't'], 'eps', os.path.join(stage, files[0]), force_external)
        grad_file = grad_external = None
        if gradient:
            grad_file = name + '-grad.onnx'
            files.append(grad_file)
            y = torch.zeros(batch, 3, S, S)
            mask = torch.ones(batch, 1, S, S)
            grad_external = export_graph(GradModel(model, alphas_cumprod(schedule), t_scale), (x, t, y, mask), ['x', 't', 'y', 'mask'], 'grad', os.path.join(stage, grad_file), force_external)
        extern = [f for f in (external, grad_external) if f]
        card = {
            'format': 'nucleimix-denoiser',
            'version': 1,
            'tile': S,
            'conditioning': 'none',
            'normalisation': NORMALISATION,
            'schedule': schedule,
            'inputs': ['x', 't'],
            'output': 'eps',
            'gradient': grad_file,
            'parameters': parameter_count(model),
            'flops': model.flops(),
            'architecture': {'kind': 'adm', 'source': 'openai/guided-diffusion UNet (Dhariwal & Nichol 2021), converted by train/denoiser/convert_guided.py', 'flags': cfg.as_json(), 'opset': OPSET},
            'training': {
                'data': None,
                'note': 'converted from a guided-diffusion checkpoint; what it was trained on is what its source says',
                'checkpoint': os.path.basename(checkpoint),
                'checkpointSha256': sha256_file(checkpoint),
            },
            'licence': {'model': licence_model or "unknown: the terms of the checkpoint's source apply", 'trainingData': licence_data or "unknown: see the checkpoint's source"},
            'sha256': sha256_file(os.path.join(stage, files[0])),
        }
        if grad_file:
            card['gradientSha256'] = sha256_file(os.path.join(stage, grad_file))
        if extern:
            card['externalData'] = [{'file': f, 'sha256': sha256_file(os.path.join(stage, f))} for f in extern]
        write_json(os.path.join(stage, name + '.json'), card)
        for f in extern + files[::-1] + [name + '.json']:
            os.replace(os.path.join(stage, f), os.path.join(out_dir, f))
        return card
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--checkpoint', required=True, help='the guided-diffusion UNet checkpoint (.pt state dict)')
    p.add_argument('--out', required=True, help='folder to write <name>.onnx and <name>.json into')
    p.add_argument('--name', default='guided', help='file name stem (default guided)')
    p.add_argument('--config', help='a JSON object of model flags (the same names as below); flags on the command line override it')
    p.add_argument('--gradient', action='store_true', help="also export MCG's gradient model <name>-grad.onnx")
    p.add_argument('--licence-model', help='the licence of the weights, for the card')
    p.add_argument('--licence-data', help='the terms of the data the weights were trained on, for the card')
    p.add_argument('--threads', type=int, default=1, help='torch threads (default 1)')
    g = p.add_argument_group('model flags (guided-diffusion script_util names; defaults are its defaults)')
    for k in INT_FLAGS + BOOL_FLAGS + IGNORED_FLAGS + ('attention_resolutions', 'channel_mult', 'dropout', 'noise_schedule'):
        g.add_argument('--' + k, default=None)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    flags = {}
    try:
        if args.config:
            try:
                with open(args.config, encoding='utf-8') as f:
                    flags = json.load(f)
            except (OSError, ValueError) as err:
                raise ConversionError(f'{args.config}: cannot read the flags ({err})') from None
            if not isinstance(flags, dict):
                raise ConversionError(f'{args.config}: expected a JSON object of flags')
        for k in INT_FLAGS + BOOL_FLAGS + IGNORED_FLAGS + ('attention_resolutions', 'channel_mult', 'dropout', 'noise_schedule'):
            v = getattr(args, k)
            if v is not None:
                flags[k] = v
        cfg = config_from_flags(flags)
        card = convert(args.checkpoint, args.out, args.name, cfg, args.gradient, args.licence_model, args.licence_data)
    except ConversionError as err:
        print(f'convert_guided: {err}', file=sys.stderr)
        return 2
    print(f"{os.path.join(args.out, args.name)}.onnx: tile {card['tile']}, {card['parameters']} parameters, {card['flops'] / 1e9:.1f} GFLOP per forward"
          + (f", gradient model {card['gradient']}" if card['gradient'] else ''), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())

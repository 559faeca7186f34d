#!/usr/bin/env python3
"""Records the state-dict layout (every parameter's name and shape) of openai/guided-diffusion's
own UNetModel for a few flag sets into test/fixtures/guided/layouts.json, so that
test_convert_guided.py can check, without guided-diffusion installed, that adm.py's module has
exactly the same layout: the official checkpoints then load into it strictly.

    /usr/bin/python3 train/denoiser/guided_layouts.py --guided-diffusion /path/to/guided-diffusion

The checkout is imported, not copied; nothing of it goes into this repository but the hashes.
Weights are never initialised (reset_parameters is skipped), so ADM-256's 554M parameters
cost no time or memory.
"""
import argparse
import hashlib
import json
import os
import sys

import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'guided', 'layouts.json')

# Flag sets: the tiny fixture, the official 256x256 unconditional model (guided-diffusion's
# README), and variants covering the other options (new attention order, no AdaGN, conv
# resampling, head counts, 64/128 px default channel multipliers).
LAYOUTS = {
    'adm-tiny (the test fixture)': dict(image_size=32, num_channels=32, num_res_blocks=1, attention_resolutions='16', channel_mult='1,1', num_head_channels=16, learn_sigma=True, use_scale_shift_norm=True, resblock_updown=True),
    '256x256_diffusion_uncond (official)': dict(image_size=256, num_channels=256, num_res_blocks=2, attention_resolutions='32,16,8', num_head_channels=64, learn_sigma=True, use_scale_shift_norm=True, resblock_updown=True),
    '64x64 variant (new attention order, 3 blocks)': dict(image_size=64, num_channels=192, num_res_blocks=3, attention_resolutions='32,16,8', num_head_channels=64, learn_sigma=True, use_scale_shift_norm=True, resblock_updown=True, use_new_attention_order=True, dropout=0.1),
    '128x128 variant (4 heads, conv resampling, no AdaGN)': dict(image_size=128, num_channels=128, num_res_blocks=2, attention_resolutions='16,8', num_heads=4, learn_sigma=False, use_scale_shift_norm=False, resblock_updown=False),
}


def layout_hash(state):
    lines = sorted(f'{k} {list(v.shape)}' for k, v in state.items())
    return len(lines), sum(v.numel() for v in state.values()), hashlib.sha256('\n'.join(lines).encode()).hexdigest()


class NoInit:
    def __enter__(self):
        self.saved = [(c, c.reset_parameters) for c in (nn.Linear, nn.Conv1d, nn.Conv2d, nn.GroupNorm)]
        for c, _ in self.saved:
            c.reset_parameters = lambda self: None

    def __exit__(self, *exc):
        for c, fn in self.saved:
            c.reset_parameters = fn


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--guided-diffusion', required=True, help='a checkout of openai/guided-diffusion (the folder holding guided_diffusion/)')
    p.add_argument('--commit', default=None, help='its commit, for the record')
    args = p.parse_args()
    sys.path.insert(0, os.path.abspath(args.guided_diffusion))
    from guided_diffusion.script_util import create_model, model_and_diffusion_defaults  # noqa: E402

    defaults = model_and_diffusion_defaults()
    model_keys = ('image_size', 'num_channels', 'num_res_blocks', 'channel_mult', 'learn_sigma', 'class_cond', 'use_checkpoint', 'attention_resolutions', 'num_heads', 'num_head_channels', 'num_heads_upsample', 'use_scale_shift_norm', 'dropout', 'resblock_updown', 'use_fp16', 'use_new_attention_order')
    out = {'note': 'state-dict layouts of guided-diffusion UNetModel (train/denoiser/guided_layouts.py): tensor count, parameters, sha256 of the sorted "name [shape]" lines', 'source': {'repo': 'openai/guided-diffusion', 'commit': args.commit}, 'layouts': []}
    for name, flags in LAYOUTS.items():
        full = {k: defaults[k] for k in model_keys}
        full.update(flags)
        with NoInit():
            model = create_model(**full)
        n, params, digest = layout_hash(model.state_dict())
        out['layouts'].append({'name': name, 'flags': flags, 'tensors': n, 'parameters': params, 'sha256': digest})
        print(f'{name}: {n} tensors, {params} parameters')
        del model
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(out, f, indent=2)
        f.write('\n')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Tests of the guided-diffusion conversion (adm.py, convert_guided.py) in torch:

- adm.py's state-dict layout equals guided-diffusion's own for the official 256 px model and
  variants (hashes recorded from guided-diffusion's code by guided_layouts.py);
- every hand-written adjoint, and the whole gradient model, against torch.autograd in float64,
  for configurations covering each option (AdaGN or not, resblock or conv resampling, both
  attention orders, learn_sigma, rescaled timesteps, a cosine schedule);
- a small randomly initialised guided-diffusion-layout checkpoint saved as a .pt, converted
  through the command line: card, hashes, ONNX checker, and with --gradient the second model;
  the numbers in onnxruntime are checked by test/inpaint/diffusion-guided.test.ts on the
  committed fixture (guided_fixture.py), since there is no onnxruntime for Python here;
- wrong flags, a class-conditional checkpoint, wrapped and fp16 checkpoints, bad files.

With GUIDED_DIFFUSION=/path/to/guided-diffusion set, it also runs guided-diffusion's own
UNetModel on the same weights and compares outputs (1e-5).

Run: OMP_NUM_THREADS=1 /usr/bin/python3 -m unittest discover -s train/denoiser -p 'test_*.py'
"""
import hashlib
import json
import math
import os
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import adm  # noqa: E402
import convert_guided as cg  # noqa: E402

LAYOUTS = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'guided', 'layouts.json')

TINY = dict(image_size='32', num_channels='32', num_res_blocks='1', attention_resolutions='16', channel_mult='1,1', num_head_channels='16', learn_sigma='True', use_scale_shift_norm='True', resblock_updown='True')
VARIANTS = {
    'official options, shrunk': TINY,
    'no AdaGN, conv resampling, new attention order, 2 heads, 2 levels of attention': dict(image_size='32', num_channels='32', num_res_blocks='2', attention_resolutions='16,8', channel_mult='1,2,2', num_heads='2', use_scale_shift_norm='False', resblock_updown='False', use_new_attention_order='True'),
    'rescaled timesteps, cosine schedule, T = 500': dict(TINY, rescale_timesteps='True', noise_schedule='cosine', diffusion_steps='500', learn_sigma='False'),
}


def random_model(flags, seed=0, double=False):
    torch.manual_seed(seed)
    model = adm.AdmUNet(cg.config_from_flags(flags))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.GroupNorm):
                m.weight.normal_(1, 0.2)
            if isinstance(getattr(m, 'bias', None), nn.Parameter):
                m.bias.normal_(0, 0.1)
    model.eval()
    return model.double() if double else model


def layout_hash(state):
    lines = sorted(f'{k} {list(v.shape)}' for k, v in state.items())
    return len(lines), sum(v.numel() for v in state.values()), hashlib.sha256('\n'.join(lines).encode()).hexdigest()


class Layout(unittest.TestCase):
    def test_state_dict_layout_is_guided_diffusions(self):
        with open(LAYOUTS, encoding='utf-8') as f:
            layouts = json.load(f)['layouts']
        self.assertGreaterEqual(len(layouts), 4)
        for entry in layouts:
            with self.subTest(entry['name']):
                with cg._no_init():
                    model = adm.AdmUNet(cg.config_from_flags({k: str(v) for k, v in entry['flags'].items()}))
                self.assertEqual(layout_hash(model.state_dict()), (entry['tensors'], entry['parameters'], entry['sha256']))

    def test_official_256_model_size_and_flops(self):
        flags = dict(image_size='256', num_channels='256', num_res_blocks='2', attention_resolutions='32,16,8', num_head_channels='64', learn_sigma='True', use_scale_shift_norm='True', resblock_updown='True', use_fp16='True')
        with cg._no_init():
            model = adm.AdmUNet(cg.config_from_flags(flags))
        self.assertEqual(adm.parameter_count(model), 552814086)
        # ~1.1 TFLOP per forward of one 256x256 tile (2 x multiply-adds).
        self.assertTrue(0.5e12 < model.flops() < 3e12, model.flops())


class Adjoints(unittest.TestCase):
    """<g, f(x)>'s gradient by autograd equals the hand-written vjp (float64)."""

    def check(self, fwd_cached, vjp, x, *extra):
        x = x.double().requires_grad_(True)
        y, cache = fwd_cached(x, *extra)
        g = torch.randn_like(y)
        (want,) = torch.autograd.grad((y * g).sum(), x)
        with torch.no_grad():
            got = vjp(cache, g)
        self.assertLess((got - want).abs().max().item(), 1e-10 * max(1.0, want.abs().max().item()))

    def test_group_norm(self):
        gn = nn.GroupNorm(32, 64).double()
        with torch.no_grad():
            gn.weight.normal_(1, 0.3)
            gn.bias.normal_()
        x = torch.randn(2, 64, 5, 5, dtype=torch.float64)
        self.assertLess((adm.gn_cached(gn, x)[0] - gn(x)).abs().max().item(), 1e-12)
        self.check(lambda v: adm.gn_cached(gn, v), adm.gn_vjp, x)

    def test_convolutions_strided_and_not(self):
        for conv, size in ((nn.Conv2d(4, 6, 3, padding=1), 8), (nn.Conv2d(4, 4, 3, stride=2, padding=1), 8), (nn.Conv2d(4, 4, 3, stride=2, padding=1), 7), (nn.Conv2d(4, 5, 1), 6)):
            conv = conv.double()
            self.check(lambda v: (conv(v), None), lambda c, g: adm.conv2d_vjp(conv, g, size), torch.randn(2, 4, size, size))

    def test_attention_both_orders(self):
        for new_order in (False, True):
            att = adm.AttentionBlock(64, 2, -1, new_order, 4).double()
            with torch.no_grad():
                for p in att.parameters():
                    p.normal_(0, 0.3)
            self.check(lambda v: att.forward_cached(v), att.vjp, torch.randn(2, 64, 4, 4))

    def test_resblocks(self):
        emb = torch.randn(2, 16, dtype=torch.float64)
        for updown in (None, 'up', 'down'):
            for scale_shift in (False, True):
                cout = 32 if updown else 64
                blk = adm.ResBlock(32, 16, 0.0, cout, scale_shift, 8, updown).double().eval()
                with torch.no_grad():
                    for p in blk.parameters():
                        p.normal_(0, 0.2)
                self.check(lambda v: blk.forward_cached(v, emb), blk.vjp, torch.randn(2, 32, 8, 8))

    def test_whole_gradient_model_each_variant(self):
        for name, flags in VARIANTS.items():
            with self.subTest(name):
                model = random_model(flags, double=True)
                cfg = model.cfg
                schedule = cg.schedule_card(cfg)
                abar = cg.alphas_cumprod(schedule)
                t_scale = 1000.0 / cfg.diffusion_steps if cfg.rescale_timesteps else 1.0
                grad_model = cg.GradModel(model, abar, t_scale).double()
                grad_model.sa = torch.tensor(np.sqrt(abar))
                grad_model.s1a = torch.tensor(np.sqrt(1 - abar))
                S = cfg.image_size
                x = torch.randn(2, 3, S, S, dtype=torch.float64, requires_grad=True)
                t = torch.tensor([7.0, float(schedule['T'] * 3 // 5)], dtype=torch.float64)
                mask = (torch.rand(2, 1, S, S) < 0.4).double()
                y = (torch.rand(2, 3, S, S, dtype=torch.float64) * 2 - 1) * (1 - mask)
                eps = cg.EpsModel(model, t_scale)(x, t)
                ab = torch.tensor(abar)[t.long()].reshape(-1, 1, 1, 1)
                x0 = (x - (1 - ab).sqrt() * eps) / ab.sqrt()
                (want,) = torch.autograd.grad((((1 - mask) * (y - x0)) ** 2).sum(), x)
                with torch.no_grad():
                    got = grad_model(x.detach(), t, y, mask)
                self.assertLess((got - want).abs().max().item(), 1e-10 * want.abs().max().item())


class Schedules(unittest.TestCase):
    def test_linear_is_guided_diffusions_scaled_ddpm(self):
        cfg = cg.config_from_flags({})
        self.assertEqual(cg.schedule_card(cfg), {'kind': 'linear', 'T': 1000, 'betaStart': 1e-4, 'betaEnd': 0.02})
        cfg = cg.config_from_flags({'diffusion_steps': '4000'})
        s = cg.schedule_card(cfg)
        self.assertAlmostEqual(s['betaStart'], 2.5e-5)
        self.assertAlmostEqual(s['betaEnd'], 0.005)

    def test_cosine(self):
        s = cg.schedule_card(cg.config_from_flags({'noise_schedule': 'cosine'}))
        self.assertEqual(s, {'kind': 'cosine', 'T': 1000, 's': 0.008, 'maxBeta': 0.999})
        abar = cg.alphas_cumprod(s)
        f = lambda u: math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2  # noqa: E731
        self.assertAlmostEqual(abar[499], f(0.5) / f(0), places=12)
        self.assertLess(abar[-1], 1e-6)


class Conversion(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='nucleimix-convert-')
        self.tmp = self.dir.name
        torch.set_num_threads(1)

    def tearDown(self):
        self.dir.cleanup()

    def save(self, obj, name='ckpt.pt'):
        path = os.path.join(self.tmp, name)
        torch.save(obj, path)
        return path

    def args(self, ckpt, flags, *extra):
        out = ['--checkpoint', ckpt, '--out', os.path.join(self.tmp, 'out'), '--name', 'm', *extra]
        for k, v in flags.items():
            out += ['--' + k, v]
        return out

    def test_converts_a_random_checkpoint_through_the_command_line(self):
        model = random_model(TINY)
        ckpt = self.save(model.state_dict())
        self.assertEqual(cg.main(self.args(ckpt, TINY, '--gradient')), 0)
        out = os.path.join(self.tmp, 'out')
        self.assertEqual(sorted(os.listdir(out)), ['m-grad.onnx', 'm.json', 'm.onnx'])  # no temporary files left
        with open(os.path.join(out, 'm.json'), encoding='utf-8') as f:
            card = json.load(f)
        self.assertEqual(card['format'], 'nucleimix-denoiser')
        self.assertEqual(card['conditioning'], 'none')
        self.assertEqual(card['tile'], 32)
        self.assertEqual(card['inputs'], ['x', 't'])
        self.assertEqual(card['gradient'], 'm-grad.onnx')
        self.assertEqual(card['sha256'], cg.sha256_file(os.path.join(out, 'm.onnx')))
        self.assertEqual(card['gradientSha256'], cg.sha256_file(os.path.join(out, 'm-grad.onnx')))
        self.assertEqual(card['training']['checkpointSha256'], cg.sha256_file(ckpt))
        self.assertEqual(card['parameters'], adm.parameter_count(model))
        self.assertNotIn('externalData', card)
        import onnx

        for f, names, output in (('m.onnx', ['x', 't'], 'eps'), ('m-grad.onnx', ['x', 't', 'y', 'mask'], 'grad')):
            m = onnx.load(os.path.join(out, f))
            onnx.checker.check_model(m)
            self.assertEqual([i.name for i in m.graph.input], names)
            self.assertEqual([o.name for o in m.graph.output], [output])
            self.assertEqual(m.opset_import[0].version, 13)
            for v in list(m.graph.input) + list(m.graph.output):
                dims = v.type.tensor_type.shape.dim
                self.assertEqual(dims[0].dim_param, 'B', f'{f}: {v.name} has a dynamic batch axis')
                self.assertEqual([d.dim_value for d in dims[1:]], {'t': [], 'mask': [1, 32, 32]}.get(v.name, [3, 32, 32]))

    def test_forced_external_data(self):
        model = random_model(TINY)
        ckpt = self.save(model.state_dict())
        cfg = cg.config_from_flags(TINY)
        out = os.path.join(self.tmp, 'ext')
        os.makedirs(out)
        data = cg.export_graph(cg.EpsModel(cg.load_model(cfg, cg.read_state_dict(ckpt)), 1.0), (torch.zeros(2, 3, 32, 32), torch.zeros(2)), ['x', 't'], 'eps', os.path.join(out, 'e.onnx'), force_external=True)
        self.assertEqual(data, 'e.onnx.data')
        self.assertEqual(sorted(os.listdir(out)), ['e.onnx', 'e.onnx.data'])
        self.assertLess(os.path.getsize(os.path.join(out, 'e.onnx')), 400_000)
        self.assertGreater(os.path.getsize(os.path.join(out, 'e.onnx.data')), 4 * 300_000)

    def test_wrapped_prefixed_fp16_checkpoints_load(self):
        model = random_model(TINY)
        sd = model.state_dict()
        wrapped = {'state_dict': {'module.' + k: v.half() for k, v in sd.items()}}
        loaded = cg.read_state_dict(self.save(wrapped))
        self.assertEqual(set(loaded), set(sd))
        self.assertTrue(all(v.dtype == torch.float32 for v in loaded.values()))
        m = cg.load_model(cg.config_from_flags(TINY), loaded)
        x = torch.randn(1, 3, 32, 32)
        with torch.no_grad():
            self.assertLess((m(x, torch.tensor([10.0])) - model(x, torch.tensor([10.0]))).abs().max().item(), 0.05)

    def test_mismatched_flags_name_what_differs(self):
        ckpt = self.save(random_model(TINY).state_dict())
        with self.assertRaises(cg.ConversionError) as e:
            cg.load_model(cg.config_from_flags(dict(TINY, learn_sigma='False')), cg.read_state_dict(ckpt), ckpt)
        self.assertIn('out.2.weight: checkpoint (6, 32, 3, 3), model (3, 32, 3, 3)', str(e.exception))
        self.assertIn('hint: out.2.weight has 6 outputs: learn_sigma True', str(e.exception))
        with self.assertRaises(cg.ConversionError) as e:
            cg.load_model(cg.config_from_flags(dict(TINY, resblock_updown='False')), cg.read_state_dict(ckpt), ckpt)
        self.assertIn('missing: input_blocks.2.0.op.weight', str(e.exception))
        self.assertIn('resblock_updown', str(e.exception))
        sd = random_model(TINY).state_dict()
        sd['label_emb.weight'] = torch.zeros(1000, 128)
        with self.assertRaises(cg.ConversionError) as e:
            cg.load_model(cg.config_from_flags(TINY), sd)
        self.assertIn('class-conditional', str(e.exception))
        # The command line reports it and exits 2.
        self.assertEqual(cg.main(self.args(ckpt, dict(TINY, num_channels='64'))), 2)

    def test_bad_flags_and_files(self):
        for flags, msg in (({'class_cond': 'True'}, 'class label'), ({'predict_xstart': 'True'}, 'x0, not ε'), ({'noise_schedule': 'sqrt'}, "'sqrt' is not supported"),
                           ({'image_size': '48'}, 'no default channel_mult'), ({'num_channels': '48', 'channel_mult': '1,2'}, 'multiple of 32'), ({'learn_sigma': 'maybe'}, 'not a boolean'),
                           ({'num_resblocks': '2'}, 'unknown flag(s) num_resblocks')):
            with self.subTest(flags):
                with self.assertRaises(cg.ConversionError) as e:
                    cg.config_from_flags(flags)
                self.assertIn(msg, str(e.exception))
        bad = os.path.join(self.tmp, 'bad.pt')
        with open(bad, 'wb') as f:
            f.write(b'not a checkpoint')
        with self.assertRaises(cg.ConversionError) as e:
            cg.read_state_dict(bad)
        self.assertIn('bad.pt: not a torch checkpoint', str(e.exception))
        with self.assertRaises(cg.ConversionError) as e:
            cg.read_state_dict(self.save([1, 2, 3], 'list.pt'))
        self.assertIn('expected a state dict', str(e.exception))
        cfg_file = os.path.join(self.tmp, 'flags.json')
        with open(cfg_file, 'w', encoding='utf-8') as f:
            json.dump({'image_size': 32, 'num_channels': 32, 'num_res_blocks': 1, 'attention_resolutions': '16', 'channel_mult': '1,1', 'num_head_channels': 16, 'learn_sigma': True, 'resblock_updown': True}, f)
        ckpt = self.save(random_model(TINY).state_dict())
        self.assertEqual(cg.main(['--checkpoint', ckpt, '--out', os.path.join(self.tmp, 'j'), '--config', cfg_file]), 0)


@unittest.skipUnless(os.environ.get('GUIDED_DIFFUSION'), 'GUIDED_DIFFUSION (a guided-diffusion checkout) not set')
class AgainstGuidedDiffusion(unittest.TestCase):
    def test_same_outputs_on_the_same_weights(self):
        sys.path.insert(0, os.environ['GUIDED_DIFFUSION'])
        from guided_diffusion.script_util import create_model

        for name, flags in VARIANTS.items():
            with self.subTest(name):
                model = random_model(flags)
                cfg = model.cfg
                theirs = create_model(image_size=cfg.image_size, num_channels=cfg.num_channels, num_res_blocks=cfg.num_res_blocks, channel_mult=','.join(str(m) for m in cfg.mults()),
                                      learn_sigma=cfg.learn_sigma, attention_resolutions=','.join(str(r) for r in cfg.attention_resolutions), num_heads=cfg.num_heads,
                                      num_head_channels=cfg.num_head_channels, use_scale_shift_norm=cfg.use_scale_shift_norm, resblock_updown=cfg.resblock_updown,
                                      use_new_attention_order=cfg.use_new_attention_order)
                theirs.load_state_dict(model.state_dict(), strict=True)
                theirs.eval()
                x = torch.randn(2, 3, cfg.image_size, cfg.image_size)
                t = torch.tensor([3.0, 600.0])
                with torch.no_grad():
                    self.assertLess((theirs(x, t) - model(x, t)).abs().max().item(), 1e-5)


if __name__ == '__main__':
    unittest.main()

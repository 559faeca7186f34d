"""The ADM UNet of Dhariwal & Nichol 2021 ("Diffusion Models Beat GANs on Image Synthesis", §3
and appendix A), written for nucleimix so that checkpoints of openai/guided-diffusion (MIT),
the code the official NucleiMix model was trained with, load into it strictly, and with a
hand-written vector-Jacobian product so that MCG's gradient exports to ONNX.

The architecture (the paper's description; the parameter names follow guided-diffusion's
state-dict layout so its checkpoints load without renaming):

- a sinusoidal timestep embedding of width C (cos half first, then sin; frequencies
  10000^(-i/(C/2))), then Linear(C, 4C), SiLU, Linear(4C, 4C): `time_embed.0`, `time_embed.2`;
- an encoder (`input_blocks`): a 3x3 convolution to C·mult[0] channels, then per resolution
  level `num_res_blocks` residual blocks, each followed by self-attention where the level's
  resolution is in `attention_resolutions`, and between levels a downsampling step (a
  residual block that average-pools inside it when `resblock_updown`, the BigGAN up/down
  blocks of §3, else a stride-2 3x3 convolution);
- a middle (`middle_block`): residual block, attention, residual block;
- a decoder (`output_blocks`), the mirror image with `num_res_blocks + 1` blocks per level,
  each taking the concatenation of the previous output and one encoder output (the UNet skip),
  and an upsampling step (nearest-neighbour x2, inside a residual block or followed by a 3x3
  convolution) at the end of every level but the last;
- an output head (`out`): GroupNorm, SiLU, 3x3 convolution to 3 channels, or 6 with
  `learn_sigma` (ε, then the variance interpolation v of Nichol & Dhariwal 2021).

A residual block (`in_layers` GN-SiLU-conv, `emb_layers` SiLU-Linear on the timestep
embedding, `out_layers` GN-SiLU-dropout-conv, `skip_connection` a 1x1 convolution when the
width changes) adds the embedding after the first convolution, or with `use_scale_shift_norm`
applies it as AdaGN (§3): GN(h)·(1 + scale) + shift. Attention (`norm`, `qkv`, `proj_out`:
1-d convolutions over the H·W positions) has `num_heads` heads, or heads of
`num_head_channels` channels each, and splits q, k, v per head ("legacy" order: the channels
are grouped by head first) or per q/k/v first (`use_new_attention_order`). Every GroupNorm
has 32 groups (so widths must be multiples of 32), ε = 1e-5.

Tensors are float32 NCHW; images in [-1, 1]. Each layer implements `forward(x, emb)`,
`forward_cached(x, emb) -> (y, cache)` and `vjp(cache, g) -> ∂<g, y>/∂x`: the adjoint of
the layer at the cached point, written as forward ops (a convolution's adjoint is the
transposed convolution with the same weights, SiLU's a multiply by its derivative, GroupNorm's
the usual three-term formula, softmax's P ⊙ (g − Σ g ⊙ P), nearest upsampling's a 2x2 sum),
because torch 1.13 exports no autograd graph to ONNX. The timestep embedding depends on t only,
so it has no adjoint. `test_convert_guided.py` checks every adjoint against torch.autograd.
"""
import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPS = 32
GN_EPS = 1e-5

DEFAULT_CHANNEL_MULT = {512: (0.5, 1, 1, 2, 2, 4, 4), 256: (1, 1, 2, 2, 4, 4), 128: (1, 1, 2, 3, 4), 64: (1, 2, 3, 4)}


@dataclass
class AdmConfig:
    """The model flags of guided-diffusion's scripts (script_util.model_and_diffusion_defaults),
    with its defaults. `attention_resolutions` are resolutions in pixels (e.g. (32, 16, 8));
    `channel_mult` empty means the default for `image_size`."""

    image_size: int = 64
    num_channels: int = 128
    num_res_blocks: int = 2
    num_heads: int = 4
    num_heads_upsample: int = -1
    num_head_channels: int = -1
    attention_resolutions: tuple = (16, 8)
    channel_mult: tuple = ()
    dropout: float = 0.0
    learn_sigma: bool = False
    use_scale_shift_norm: bool = True
    resblock_updown: bool = False
    use_new_attention_order: bool = False
    class_cond: bool = False
    diffusion_steps: int = 1000
    noise_schedule: str = 'linear'
    rescale_timesteps: bool = False
    predict_xstart: bool = False
    # Accepted and without effect on the exported model: fp16 and checkpointing are training
    # devices (the export is float32), respacing / KL / learned-sigma rescaling concern sampling
    # and the loss.
    ignored: dict = field(default_factory=dict)

    def mults(self):
        if self.channel_mult:
            return tuple(self.channel_mult)
        if self.image_size not in DEFAULT_CHANNEL_MULT:
            raise ValueError(f'image_size {self.image_size} has no default channel_mult (guided-diffusion has them for {sorted(DEFAULT_CHANNEL_MULT)}); give channel_mult')
        return DEFAULT_CHANNEL_MULT[self.image_size]

    def check(self):
        if self.class_cond:
            raise ValueError('class_cond True: a class-conditional model needs a class label per image; nucleimix takes unconditional ε models only')
        if self.predict_xstart:
            raise ValueError('predict_xstart True: the model predicts x0, not ε; the model contract takes ε models only')
        if self.noise_schedule not in ('linear', 'cosine'):
            raise ValueError(f"noise_schedule '{self.noise_schedule}' is not supported (linear or cosine)")
        levels = len(self.mults())
        if self.image_size % (2 ** (levels - 1)) != 0:
            raise ValueError(f'image_size {self.image_size} is not divisible by 2^{levels - 1} ({levels} levels)')
        for r in self.attention_resolutions:
            if self.image_size % r != 0:
                raise ValueError(f'attention resolution {r} does not divide image_size {self.image_size}')
        for m in self.mults():
            if int(m * self.num_channels) % GROUPS != 0:
                raise ValueError(f'width {int(m * self.num_channels)} (num_channels x {m}) is not a multiple of {GROUPS}, the GroupNorm groups')

    def as_json(self):
        d = asdict(self)
        d['attention_resolutions'] = list(self.attention_resolutions)
        d['channel_mult'] = list(self.mults())
        if not d['ignored']:
            del d['ignored']
        return d


def timestep_embedding(t, dim, max_period=10000.0):
    """[B] float timesteps -> [B, dim]: cos(t·f_i) then sin(t·f_i), f_i = max_period^(-i/(dim/2))."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None, :]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=1)
    return emb


# ----- adjoints of the elementary layers -------------------------------------------------------


def gn_cached(gn, x):
    """GroupNorm by hand (the same numbers as F.group_norm) keeping x̂ and 1/σ per group."""
    c = x.shape[1]
    per = (c // gn.num_groups) * math.prod(x.shape[2:])
    xs = x.reshape(-1, per)  # [B·G, C/G·spatial]
    mu = xs.mean(dim=1, keepdim=True)
    d = xs - mu
    rstd = torch.rsqrt((d * d).mean(dim=1, keepdim=True) + gn.eps)
    xhat = d * rstd
    shape = (1, c) + (1,) * (x.dim() - 2)
    y = xhat.reshape(x.shape) * gn.weight.reshape(shape) + gn.bias.reshape(shape)
    return y, (xhat, rstd, gn.weight.reshape(shape))


def gn_vjp(cache, g):
    """dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per group, ĝ = g·γ."""
    xhat, rstd, w = cache
    gh = (g * w).reshape(xhat.shape)
    dx = rstd * (gh - gh.mean(dim=1, keepdim=True) - xhat * (gh * xhat).mean(dim=1, keepdim=True))
    return dx.reshape(g.shape)


def silu_vjp(x, g):
    """d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))."""
    s = torch.sigmoid(x)
    return g * s * (1 + x * (1 - s))


def conv2d_vjp(conv, g, in_size):
    """Adjoint of a Conv2d (no dilation, groups 1) at input size `in_size`: the transposed
    convolution with the same weights, output_padding making up the rows a stride drops."""
    (s,) = set(conv.stride)
    (p,) = set(conv.padding)
    k = conv.kernel_size[0]
    out = (in_size + 2 * p - k) // s + 1
    extra = in_size - ((out - 1) * s - 2 * p + k)
    return F.conv_transpose2d(g, conv.weight, stride=s, padding=p, output_padding=extra)


def conv1x1_1d_vjp(conv, g):
    """Adjoint of a 1-d 1x1 convolution [B,Cin,T] -> [B,Cout,T]: W^T g."""
    return F.conv_transpose1d(g, conv.weight)


def up_vjp(g):
    """Adjoint of nearest-neighbour x2 upsampling: the sum over each 2x2 block."""
    return F.avg_pool2d(g, 2) * 4.0


def down_vjp(g):
    """Adjoint of 2x2 average pooling: each value spread over its block, / 4."""
    return F.interpolate(g, scale_factor=2.0, mode='nearest') * 0.25


# ----- layers ----------------------------------------------------------------------------------


class Upsample(nn.Module):
    """Nearest x2, then a 3x3 convolution (`conv`) when `use_conv`."""

    def __init__(self, channels, use_conv, res):
        super().__init__()
        self.res, self.channels = res, channels  # input side (pixels), width
        if use_conv:
            self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.use_conv = use_conv

    def forward(self, x, emb=None):
        x = F.interpolate(x, scale_factor=2.0, mode='nearest')
        return self.conv(x) if self.use_conv else x

    def forward_cached(self, x, emb=None):
        return self.forward(x), None

    def vjp(self, cache, g):
        if self.use_conv:
            g = conv2d_vjp(self.conv, g, 2 * self.res)
        return up_vjp(g)

    def flops(self):
        return 2 * self.channels ** 2 * 9 * (2 * self.res) ** 2 if self.use_conv else 0


class Downsample(nn.Module):
    """A stride-2 3x3 convolution (`op`) when `use_conv`, else 2x2 average pooling."""

    def __init__(self, channels, use_conv, res):
        super().__init__()
        self.res, self.channels = res, channels
        self.use_conv = use_conv
        self.op = nn.Conv2d(channels, channels, 3, stride=2, padding=1) if use_conv else nn.AvgPool2d(2, 2)

    def forward(self, x, emb=None):
        return self.op(x)

    def forward_cached(self, x, emb=None):
        return self.op(x), None

    def vjp(self, cache, g):
        return conv2d_vjp(self.op, g, self.res) if self.use_conv else down_vjp(g)

    def flops(self):
        return 2 * self.channels ** 2 * 9 * (self.res // 2) ** 2 if self.use_conv else 0


class ResBlock(nn.Module):
    """The residual block described in the module docstring; `updown` is None, 'up' or 'down'
    (average pooling / nearest upsampling of both paths after in_layers' norm and SiLU)."""

    def __init__(self, cin, emb_dim, dropout, cout, scale_shift, res, updown=None):
        super().__init__()
        self.cin, self.cout, self.res, self.updown, self.scale_shift = cin, cout, res, updown, scale_shift
        self.emb_dim = emb_dim
        self.in_layers = nn.Sequential(nn.GroupNorm(GROUPS, cin, eps=GN_EPS), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * cout if scale_shift else cout))
        self.out_layers = nn.Sequential(nn.GroupNorm(GROUPS, cout, eps=GN_EPS), nn.SiLU(), nn.Dropout(dropout), nn.Conv2d(cout, cout, 3, padding=1))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def _resample(self, x):
        if self.updown == 'up':
            return F.interpolate(x, scale_factor=2.0, mode='nearest')
        if self.updown == 'down':
            return F.avg_pool2d(x, 2)
        return x

    def _resample_vjp(self, g):
        if self.updown == 'up':
            return up_vjp(g)
        if self.updown == 'down':
            return down_vjp(g)
        return g

    def out_res(self):
        return self.res * 2 if self.updown == 'up' else self.res // 2 if self.updown == 'down' else self.res

    def forward(self, x, emb):
        norm1, _, conv1 = self.in_layers
        h = conv1(self._resample(F.silu(norm1(x))))
        e = self.emb_layers(emb)[:, :, None, None]
        norm2, _, drop, conv2 = self.out_layers
        if self.scale_shift:
            scale, shift = e.chunk(2, dim=1)
            h = norm2(h) * (1 + scale) + shift
        else:
            h = norm2(h + e)
        return self.skip_connection(self._resample(x)) + conv2(drop(F.silu(h)))

    def forward_cached(self, x, emb):
        norm1, _, conv1 = self.in_layers
        norm2, _, _, conv2 = self.out_layers
        a, c1 = gn_cached(norm1, x)
        h = conv1(self._resample(F.silu(a)))
        e = self.emb_layers(emb)[:, :, None, None]
        if self.scale_shift:
            scale, shift = e.chunk(2, dim=1)
            n, c2 = gn_cached(norm2, h)
            h2 = n * (1 + scale) + shift
        else:
            scale = None
            h2, c2 = gn_cached(norm2, h + e)
        y = self.skip_connection(self._resample(x)) + conv2(F.silu(h2))
        return y, (a, c1, c2, h2, scale)

    def vjp(self, cache, g):
        a, c1, c2, h2, scale = cache
        conv1 = self.in_layers[2]
        conv2 = self.out_layers[3]
        r_out = self.out_res()
        gh2 = silu_vjp(h2, conv2d_vjp(conv2, g, r_out))
        gh = gn_vjp(c2, gh2 * (1 + scale) if self.scale_shift else gh2)
        ga = silu_vjp(a, self._resample_vjp(conv2d_vjp(conv1, gh, r_out)))
        gx = gn_vjp(c1, ga)
        gs = g if isinstance(self.skip_connection, nn.Identity) else conv2d_vjp(self.skip_connection, g, r_out)
        return gx + self._resample_vjp(gs)

    def flops(self):
        r = self.out_res()
        f = 2 * self.cin * self.cout * 9 * r * r + 2 * self.cout * self.cout * 9 * r * r
        f += 2 * self.emb_dim * (2 * self.cout if self.scale_shift else self.cout)
        if not isinstance(self.skip_connection, nn.Identity):
            f += 2 * self.cin * self.cout * r * r
        return f


class AttentionBlock(nn.Module):
    """Multi-head self-attention over the H·W positions, residual: x + proj_out(attn(qkv(GN(x))))."""

    def __init__(self, channels, num_heads, num_head_channels, new_order, res):
        super().__init__()
        if num_head_channels == -1:
            self.heads = num_heads
        else:
            if channels % num_head_channels:
                raise ValueError(f'attention width {channels} is not divisible by num_head_channels {num_head_channels}')
            self.heads = channels // num_head_channels
        if channels % self.heads:
            raise ValueError(f'attention width {channels} is not divisible by {self.heads} heads')
        self.channels, self.new_order, self.res = channels, new_order, res
        self.norm = nn.GroupNorm(GROUPS, channels, eps=GN_EPS)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj_out = nn.Conv1d(channels, channels, 1)

    def _split(self, qkv):
        """[B, 3C, T] -> q, k, v, each [B·heads, C/heads, T]."""
        c, ch = self.channels, self.channels // self.heads
        t = qkv.shape[-1]
        if self.new_order:
            return [u.reshape(-1, ch, t) for u in qkv.chunk(3, dim=1)]
        return list(qkv.reshape(-1, 3 * ch, t).split(ch, dim=1))

    def _merge(self, gq, gk, gv):
        c = self.channels
        t = gq.shape[-1]
        if self.new_order:
            return torch.cat([u.reshape(-1, c, t) for u in (gq, gk, gv)], dim=1)
        return torch.cat([gq, gk, gv], dim=1).reshape(-1, 3 * c, t)

    def _attend(self, x3, normed):
        q, k, v = self._split(self.qkv(normed))
        s = (self.channels // self.heads) ** -0.25  # on q and k each: 1/sqrt(ch) in all
        w = torch.softmax(torch.bmm((q * s).transpose(1, 2), k * s), dim=-1)  # [B·heads, T, T]
        a = torch.bmm(v, w.transpose(1, 2)).reshape(-1, self.channels, x3.shape[-1])
        return x3 + self.proj_out(a), (q, k, v, w, s)

    def forward(self, x, emb=None):
        x3 = x.flatten(2)
        y, _ = self._attend(x3, self.norm(x3))
        return y.reshape(x.shape)

    def forward_cached(self, x, emb=None):
        x3 = x.flatten(2)
        normed, cn = gn_cached(self.norm, x3)
        y, ca = self._attend(x3, normed)
        return y.reshape(x.shape), (cn, ca)

    def vjp(self, cache, g):
        cn, (q, k, v, w, s) = cache
        g3 = g.flatten(2)
        ch = self.channels // self.heads
        ga = conv1x1_1d_vjp(self.proj_out, g3).reshape(-1, ch, g3.shape[-1])
        gw = torch.bmm(ga.transpose(1, 2), v)  # [B·heads, T, S]
        gv = torch.bmm(ga, w)
        gl = w * (gw - (gw * w).sum(dim=-1, keepdim=True))  # softmax's adjoint
        gq = torch.bmm(k, gl.transpose(1, 2)) * (s * s)
        gk = torch.bmm(q, gl) * (s * s)
        gn_in = conv1x1_1d_vjp(self.qkv, self._merge(gq, gk, gv))
        return (g3 + gn_vjp(cn, gn_in)).reshape(g.shape)

    def flops(self):
        c, t = self.channels, self.res * self.res
        return 2 * 3 * c * c * t + 2 * c * c * t + 2 * 2 * t * t * c


class Block(nn.ModuleList):
    """A sequence of layers that all take the timestep embedding (TimestepEmbedSequential's keys)."""

    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb)
        return x

    def forward_cached(self, x, emb):
        caches = []
        for layer in self:
            x, c = layer.forward_cached(x, emb)
            caches.append(c)
        return x, caches

    def vjp(self, caches, g):
        for layer, c in zip(reversed(self), reversed(caches)):
            g = layer.vjp(c, g)
        return g


class InConv(nn.Conv2d):
    """The first 3x3 convolution, in a Block like every other encoder step."""

    def __init__(self, cin, cout, res):
        super().__init__(cin, cout, 3, padding=1)
        self.res = res

    def forward(self, x, emb=None):
        return super().forward(x)

    def forward_cached(self, x, emb=None):
        return super().forward(x), None

    def vjp(self, cache, g):
        return conv2d_vjp(self, g, self.res)

    def flops(self):
        return 2 * self.in_channels * self.out_channels * 9 * self.res ** 2


class AdmUNet(nn.Module):
    """ε_θ(x, t) (and the variance output with learn_sigma): x [B,3,S,S], t [B] -> [B,3|6,S,S]."""

    def __init__(self, cfg: AdmConfig):
        super().__init__()
        cfg.check()
        self.cfg = cfg
        mc = cfg.num_channels
        mults = cfg.mults()
        emb_dim = 4 * mc
        attn_ds = {cfg.image_size // r for r in cfg.attention_resolutions}
        heads_up = cfg.num_heads if cfg.num_heads_upsample == -1 else cfg.num_heads_upsample
        S = cfg.image_size
        self.time_embed = nn.Sequential(nn.Linear(mc, emb_dim), nn.SiLU(), nn.Linear(emb_dim, emb_dim))

        ch = int(mults[0] * mc)
        first = ch
        self.input_blocks = nn.ModuleList([Block([InConv(3, ch, S)])])
        skips = [ch]
        ds = 1
        for level, mult in enumerate(mults):
            for _ in range(cfg.num_res_blocks):
                out = int(mult * mc)
                layers = [ResBlock(ch, emb_dim, cfg.dropout, out, cfg.use_scale_shift_norm, S // ds)]
                ch = out
                if ds in attn_ds:
                    layers.append(AttentionBlock(ch, cfg.num_heads, cfg.num_head_channels, cfg.use_new_attention_order, S // ds))
                self.input_blocks.append(Block(layers))
                skips.append(ch)
            if level != len(mults) - 1:
                down = ResBlock(ch, emb_dim, cfg.dropout, ch, cfg.use_scale_shift_norm, S // ds, 'down') if cfg.resblock_updown else Downsample(ch, True, S // ds)
                self.input_blocks.append(Block([down]))
                skips.append(ch)
                ds *= 2

        r = S // ds
        self.middle_block = Block([
            ResBlock(ch, emb_dim, cfg.dropout, ch, cfg.use_scale_shift_norm, r),
            AttentionBlock(ch, cfg.num_heads, cfg.num_head_channels, cfg.use_new_attention_order, r),
            ResBlock(ch, emb_dim, cfg.dropout, ch, cfg.use_scale_shift_norm, r),
        ])

        self.output_blocks = nn.ModuleList()
        self.concat = []  # per output block: (channels of h, channels of the skip)
        for level, mult in list(enumerate(mults))[::-1]:
            for i in range(cfg.num_res_blocks + 1):
                skip = skips.pop()
                out = int(mc * mult)
                self.concat.append((ch, skip))
                layers = [ResBlock(ch + skip, emb_dim, cfg.dropout, out, cfg.use_scale_shift_norm, S // ds)]
                ch = out
                if ds in attn_ds:
                    layers.append(AttentionBlock(ch, heads_up, cfg.num_head_channels, cfg.use_new_attention_order, S // ds))
                if level and i == cfg.num_res_blocks:
                    layers.append(ResBlock(ch, emb_dim, cfg.dropout, ch, cfg.use_scale_shift_norm, S // ds, 'up') if cfg.resblock_updown else Upsample(ch, True, S // ds))
                    ds //= 2
                self.output_blocks.append(Block(layers))

        self.out_channels = 6 if cfg.learn_sigma else 3
        self.out = nn.Sequential(nn.GroupNorm(GROUPS, ch, eps=GN_EPS), nn.SiLU(), nn.Conv2d(first, self.out_channels, 3, padding=1))

    def embed(self, t):
        """The timestep embedding [B, 4C]; t as the model was trained on (see TimestepScale)."""
        e = timestep_embedding(t, self.cfg.num_channels)
        return self.time_embed(e.to(self.time_embed[0].weight.dtype))

    def forward(self, x, t):
        emb = self.embed(t)
        hs = []
        h = x
        for blk in self.input_blocks:
            h = blk(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for blk in self.output_blocks:
            h = blk(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)

    def eps_and_cache(self, x, t):
        """ε [B,3,S,S] (the first 3 output channels) and what `eps_vjp` needs."""
        emb = self.embed(t)
        hs, cin = [], []
        h = x
        for blk in self.input_blocks:
            h, c = blk.forward_cached(h, emb)
            cin.append(c)
            hs.append(h)
        h, cmid = self.middle_block.forward_cached(h, emb)
        cout = []
        for blk in self.output_blocks:
            h, c = blk.forward_cached(torch.cat([h, hs.pop()], dim=1), emb)
            cout.append(c)
        norm, _, conv = self.out
        a, cn = gn_cached(norm, h)
        eps = conv(F.silu(a))[:, :3]
        return eps, (cin, cmid, cout, a, cn)

    def eps_vjp(self, cache, g):
        """(∂ε/∂x)^T g for g [B,3,S,S]: the adjoint of the whole network at the cached point."""
        cin, cmid, cout, a, cn = cache
        norm, _, conv = self.out
        S = self.cfg.image_size
        if self.out_channels > 3:  # the variance channels get a zero cotangent
            g = torch.cat([g, torch.zeros_like(g)], dim=1)
        g = gn_vjp(cn, silu_vjp(a, conv2d_vjp(conv, g, S)))
        skip_grads = [None] * len(self.input_blocks)
        n = len(self.input_blocks)
        for j in range(len(self.output_blocks) - 1, -1, -1):
            gcat = self.output_blocks[j].vjp(cout[j], g)
            ch, _ = self.concat[j]
            g, gskip = gcat[:, :ch], gcat[:, ch:]
            skip_grads[n - 1 - j] = gskip  # output block j pops encoder output n-1-j
        g = self.middle_block.vjp(cmid, g)
        for i in range(n - 1, -1, -1):
            g = self.input_blocks[i].vjp(cin[i], g + skip_grads[i])
        return g

    def flops(self):
        """2 × the multiply-adds of one forward of one item in convolutions, linear layers and
        attention's two matmuls (what flops.ts counts in the ONNX file)."""
        mc = self.cfg.num_channels
        f = 2 * mc * 4 * mc + 2 * 4 * mc * 4 * mc
        for blk in list(self.input_blocks) + [self.middle_block] + list(self.output_blocks):
            f += sum(layer.flops() for layer in blk)
        conv = self.out[2]
        f += 2 * conv.in_channels * conv.out_channels * 9 * self.cfg.image_size ** 2
        return f


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())

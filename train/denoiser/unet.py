"""A small mask-conditioned UNet that predicts the noise eps of a DDPM (Ho et al. 2020).

Inputs (the model file contract, models/README.md): x [B,3,S,S] the noisy image x_t in
[-1, 1]; t [B] the integer timestep 0..T-1 as a float; known [B,3,S,S] the known pixels
(normalised, 0 where unknown); mask [B,1,S,S] (1 = unknown, 0 = known). Output eps [B,3,S,S].

The layout is the guided-diffusion / DDPM UNet cut down for a CPU: one residual block per
level, GroupNorm + SiLU, a sinusoidal timestep embedding added inside every block, strided
3x3 convolutions down and nearest-neighbour upsampling + 3x3 convolution up, skip connections
by concatenation, and at most one self-attention block (at the lowest resolution, where it is
cheap). Conditioning on (known, mask) by concatenating them to x is Palette's and SD-inpaint's
way; it lets the model learn the fill directly instead of through guidance.

Everything here exports to ONNX opset 13 with torch 1.13 (GroupNorm, Resize, MatMul, Softmax,
Sin/Cos); the batch axis stays dynamic (no Python ints taken from tensor shapes except through
`.shape`, which the tracer records symbolically).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim):
    """Sinusoidal embedding of the timesteps t [B] (float) -> [B, dim], as in guided-diffusion."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def norm(channels):
    return nn.GroupNorm(min(8, channels // 4) if channels >= 8 else 1, channels)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, tdim):
        super().__init__()
        self.norm1 = norm(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.temb = nn.Linear(tdim, cout)
        self.norm2 = norm(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.temb(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.skip(x) + h


class Attention(nn.Module):
    """Single-head self-attention over the H*W positions of a feature map."""

    def __init__(self, channels):
        super().__init__()
        self.norm = norm(channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        self.scale = 1.0 / math.sqrt(channels)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)
        a = torch.softmax(torch.bmm(q.transpose(1, 2), k) * self.scale, dim=-1)  # [B, HW, HW]
        y = torch.bmm(v, a.transpose(1, 2)).reshape(b, c, h, w)
        return x + self.out(y)


class UNet(nn.Module):
    """channels: the width of each resolution level, e.g. (32, 64, 128, 128) for 64 -> 8 px.

    attention: whether the middle (lowest resolution) has a self-attention block.
    conditioning: 'mask' (inputs x, t, known, mask) or 'none' (inputs x, t).
    """

    def __init__(self, channels=(32, 64, 128, 128), attention=True, conditioning='mask'):
        super().__init__()
        self.channels = tuple(channels)
        self.conditioning = conditioning
        c0 = channels[0]
        self.tdim = 4 * c0
        self.time = nn.Sequential(nn.Linear(c0, self.tdim), nn.SiLU(), nn.Linear(self.tdim, self.tdim))
        cin = 7 if conditioning == 'mask' else 3
        self.inp = nn.Conv2d(cin, c0, 3, padding=1)
        self.down_blocks = nn.ModuleList()
        self.downs = nn.ModuleList()
        prev = c0
        for i, c in enumerate(channels):
            self.down_blocks.append(ResBlock(prev, c, self.tdim))
            prev = c
            if i < len(channels) - 1:
                self.downs.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
        self.mid1 = ResBlock(prev, prev, self.tdim)
        self.attn = Attention(prev) if attention else None
        self.mid2 = ResBlock(prev, prev, self.tdim)
        self.up_blocks = nn.ModuleList()
        self.ups = nn.ModuleList()
        for i in reversed(range(len(channels))):
            c = channels[i]
            self.up_blocks.append(ResBlock(prev + c, c, self.tdim))
            prev = c
            if i > 0:
                self.ups.append(nn.Conv2d(c, channels[i - 1], 3, padding=1))
                prev = channels[i - 1]
        self.out_norm = norm(prev)
        self.out = nn.Conv2d(prev, 3, 3, padding=1)
        # Start as the zero predictor: early samples are then the DDIM mean, not amplified noise.
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, t, known=None, mask=None):
        temb = self.time(timestep_embedding(t, self.channels[0]))
        h = torch.cat([x, known, mask], dim=1) if self.conditioning == 'mask' else x
        h = self.inp(h)
        skips = []
        for i, block in enumerate(self.down_blocks):
            h = block(h, temb)
            skips.append(h)
            if i < len(self.downs):
                h = self.downs[i](h)
        h = self.mid1(h, temb)
        if self.attn is not None:
            h = self.attn(h)
        h = self.mid2(h, temb)
        for j, block in enumerate(self.up_blocks):
            h = block(torch.cat([h, skips.pop()], dim=1), temb)
            if j < len(self.ups):
                h = self.ups[j](F.interpolate(h, scale_factor=2.0, mode='nearest'))
        return self.out(F.silu(self.out_norm(h)))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())

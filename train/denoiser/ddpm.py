"""The DDPM noise schedule (Ho et al. 2020: linear betas, T = 1000) and a DDIM sampler (Song et
al. 2021, eta = 0) with data consistency: at every step the known pixels of x_t are replaced by
the known image noised to the same level, the non-gradient part of MCG (Chung et al. 2022) as
RePaint / DDNM do. The TypeScript engine implements the same sampler; this one is for looking
at fills while training.
"""
import numpy as np
import torch

SCHEDULE = {'kind': 'linear', 'T': 1000, 'betaStart': 1e-4, 'betaEnd': 0.02}


def alpha_bars(schedule=SCHEDULE):
    """abar_t = prod_{s<=t} (1 - beta_s) for t = 0..T-1, float64 numpy [T]."""
    betas = np.linspace(schedule['betaStart'], schedule['betaEnd'], schedule['T'], dtype=np.float64)
    return np.cumprod(1.0 - betas)


def ddim_timesteps(steps, T=SCHEDULE['T']):
    """`steps` timesteps from T-1 down to 0, evenly spaced (descending int list)."""
    return [int(round(v)) for v in np.linspace(T - 1, 0, steps)]


@torch.no_grad()
def ddim_inpaint(model, known, mask, steps=20, generator=None):
    """Fills the unknown pixels (mask = 1) of known [B,3,S,S] (in [-1, 1]). Returns x0 [B,3,S,S].

    Starts from pure noise; after every step the known pixels are replaced by
    sqrt(abar_t) * known + sqrt(1 - abar_t) * noise (fresh noise each step); the final
    composite keeps the known pixels exactly.
    """
    ab = torch.tensor(alpha_bars(), dtype=torch.float32)
    ts = ddim_timesteps(steps)
    known = known * (1 - mask)

    def noised(t):
        return ab[t].sqrt() * known + (1 - ab[t]).sqrt() * torch.randn(known.shape, generator=generator)

    x = torch.randn(known.shape, generator=generator)
    x = mask * x + (1 - mask) * noised(ts[0])
    for j, t in enumerate(ts):
        tt = torch.full((known.shape[0],), float(t))
        eps = model(x, tt, known, mask)
        x0 = ((x - (1 - ab[t]).sqrt() * eps) / ab[t].sqrt()).clamp(-1, 1)
        if j + 1 == len(ts):
            x = x0
            break
        tn = ts[j + 1]
        eps = (x - ab[t].sqrt() * x0) / (1 - ab[t]).sqrt()  # re-derived after clamping x0
        x = ab[tn].sqrt() * x0 + (1 - ab[tn]).sqrt() * eps
        x = mask * x + (1 - mask) * noised(tn)
    return mask * x + (1 - mask) * known

"""Random masks for the test fixtures' inputs (export_fixture.py, guided_fixture.py)."""
import torch


def blob_mask(gen, b, s, min_radius):
    """Unknown = 1 inside a random ellipse per item, [b,1,s,s] float32: centre in the middle half of
    the tile, radii min_radius px plus up to s/4 (drawn from the torch.Generator gen)."""
    yy, xx = torch.meshgrid(torch.arange(s).float(), torch.arange(s).float(), indexing='ij')
    out = torch.zeros(b, 1, s, s)
    for i in range(b):
        cy, cx, ry, rx = (torch.rand(4, generator=gen) * torch.tensor([s / 2, s / 2, s / 4, s / 4]) + torch.tensor([s / 4, s / 4, min_radius, min_radius])).tolist()
        out[i, 0] = (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1).float()
    return out

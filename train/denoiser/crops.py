"""Training crops for the mask-conditioned denoiser: S x S tiles centred on a mask shaped like
the holes and rings nucleimix's renderer inpaints (NucleiMix, Wang & Kwak 2024, section 3.2).

- erase: the replaced nucleus grown by 2 px is erased and filled. Here the mask is a real
  nucleus shape (from some image's inst_map), rotated by a random angle, maybe flipped, grown
  by 2 px (4-connected), and laid over NUCLEUS-FREE tissue, so the target inside the hole is
  always tissue. (A trial run whose masks mostly lay over nuclei learned to paint "ghost
  nuclei" into erased holes; see issue 12.)
- ring: after the donor is pasted with its 1-px contour, the ring r3 \\ r1 around it is
  filled (r_k = the nucleus dilated k times, 4-connected). Here the ring is around a REAL
  nucleus, everything else known.

Crops come from the image reflect-padded by S px, so a crop at the border looks like the
reflect-padded window the engine's tile adapter feeds (src/inpaint/engine.ts). Crops with much
glass (white background) are skipped. Each crop is then turned by a random element of the
dihedral group D4 (H&E has no preferred orientation).

Layout: the dataset root holds Images/<name>.png and Labels/<name>.mat with `inst_map` (H x W,
0 = background, k = instance k), CoNSeP's layout. MATLAB v7.3 (HDF5) labels are read with h5py
when it is installed.
"""
import glob
import hashlib
import os

import numpy as np
from PIL import Image
from scipy import ndimage

CROSS = ndimage.generate_binary_structure(2, 1)  # 4-connected dilation, as the renderer's r_k


def is_glass(rgb):
    """Glass / white background: bright and unsaturated. rgb H x W x 3 uint8 -> H x W bool."""
    lo = rgb.min(axis=2)
    return (lo > 200) & (rgb.max(axis=2).astype(np.int16) - lo < 30)


def read_inst_map(path):
    try:
        from scipy.io import loadmat

        return np.asarray(loadmat(path)['inst_map'])
    except NotImplementedError:  # MATLAB v7.3 is HDF5
        import h5py

        with h5py.File(path, 'r') as f:
            return np.asarray(f['inst_map']).T


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


class Dataset:
    """Every image of a dataset root in memory, reflect-padded, with its nuclei and free tissue."""

    def __init__(self, root, tile):
        self.root = os.path.abspath(root)
        self.tile = tile
        pad = tile
        paths = sorted(glob.glob(os.path.join(root, 'Images', '*.png')))
        if not paths:
            raise SystemExit(f'{root}: no Images/*.png')
        self.images = []  # padded H+2p x W+2p x 3 uint8
        self.free = []  # padded bool: tissue at least 3 px from any nucleus, not glass
        self.dist = []  # padded float32: distance to the nearest non-free pixel
        self.glass = []  # padded bool
        self.nuclei = []  # (image index, y0, x0, binary mask) in padded coordinates
        self.files = []  # (name, sha256) of every image and label used
        for p in paths:
            name = os.path.splitext(os.path.basename(p))[0]
            label = os.path.join(root, 'Labels', name + '.mat')
            if not os.path.exists(label):
                raise SystemExit(f'{label}: missing label file for {p}')
            rgb = np.asarray(Image.open(p).convert('RGB'))
            inst = read_inst_map(label).astype(np.int32)
            if inst.shape != rgb.shape[:2]:
                raise SystemExit(f'{label}: inst_map is {inst.shape}, image is {rgb.shape[:2]}')
            i = len(self.images)
            glass = is_glass(rgb)
            near = ndimage.binary_dilation(inst > 0, CROSS, iterations=3)
            free = ~near & ~glass
            self.images.append(np.pad(rgb, ((pad, pad), (pad, pad), (0, 0)), mode='reflect'))
            self.glass.append(np.pad(glass, pad, mode='reflect'))
            self.free.append(np.pad(free, pad, constant_values=False))
            self.dist.append(ndimage.distance_transform_edt(self.free[-1]).astype(np.float32))
            for k, sl in enumerate(ndimage.find_objects(inst), start=1):
                if sl is None:
                    continue
                m = inst[sl] == k
                if m.sum() < 8:
                    continue
                self.nuclei.append((i, sl[0].start + pad, sl[1].start + pad, m))
            self.files.append({'image': os.path.basename(p), 'sha256': sha256_file(p), 'label': os.path.basename(label), 'labelSha256': sha256_file(label)})
        free_area = np.array([f.sum() for f in self.free], dtype=np.float64)
        self.free_weights = free_area / free_area.sum()

    # -- masks -------------------------------------------------------------------------------

    def erase_sample(self, rng, tries=40):
        """A nucleus-shaped hole (grown 2 px) over nucleus-free tissue, or None."""
        s = self.tile
        _, _, _, shape = self.nuclei[rng.integers(len(self.nuclei))]
        shape = ndimage.rotate(shape.astype(np.uint8), rng.uniform(0, 360), order=0, reshape=True) > 0
        if rng.random() < 0.5:
            shape = shape[:, ::-1]
        shape = np.pad(shape, 2)
        shape = ndimage.binary_dilation(shape, CROSS, iterations=2)
        ys, xs = np.nonzero(shape)
        if ys.size == 0:
            return None
        ys, xs = ys - ys.min(), xs - xs.min()
        h, w = ys.max() + 1, xs.max() + 1
        if h > s - 8 or w > s - 8:
            return None
        need = 0.5 * min(h, w) - 1  # a centre this far from anything non-free may fit; checked exactly below
        for _ in range(tries):
            i = rng.choice(len(self.images), p=self.free_weights)
            d = self.dist[i]
            cand = rng.integers(0, d.shape[0], size=(64,)), rng.integers(0, d.shape[1], size=(64,))
            ok = np.nonzero(d[cand] >= need)[0]
            for j in ok[:4]:
                cy, cx = cand[0][j], cand[1][j]
                top, left = cy - h // 2, cx - w // 2
                if top < 0 or left < 0 or top + h > d.shape[0] or left + w > d.shape[1]:
                    continue
                if not self.free[i][top + ys, left + xs].all():
                    continue
                y0, x0 = top + h // 2 - s // 2, left + w // 2 - s // 2
                if y0 < 0 or x0 < 0 or y0 + s > d.shape[0] or x0 + s > d.shape[1]:
                    continue
                mask = np.zeros((s, s), bool)
                mask[top - y0 + ys, left - x0 + xs] = True
                crop = self.images[i][y0 : y0 + s, x0 : x0 + s]
                if self.glass[i][y0 : y0 + s, x0 : x0 + s].mean() > 0.5:
                    continue
                return crop, mask
        return None

    def ring_sample(self, rng):
        """The ring r3 \\ r1 around a real nucleus, centred, or None."""
        s = self.tile
        i, ny, nx, m = self.nuclei[rng.integers(len(self.nuclei))]
        h, w = m.shape
        if h + 6 > s - 4 or w + 6 > s - 4:
            return None
        cy, cx = ny + h // 2, nx + w // 2
        y0, x0 = cy - s // 2, cx - s // 2
        img = self.images[i]
        if y0 < 0 or x0 < 0 or y0 + s > img.shape[0] or x0 + s > img.shape[1]:
            return None
        nuc = np.zeros((s, s), bool)
        nuc[ny - y0 : ny - y0 + h, nx - x0 : nx - x0 + w] = m
        r1 = ndimage.binary_dilation(nuc, CROSS, iterations=1)
        r3 = ndimage.binary_dilation(r1, CROSS, iterations=2)
        mask = r3 & ~r1
        glass = self.glass[i][y0 : y0 + s, x0 : x0 + s]
        if glass.mean() > 0.5 or glass[mask].mean() > 0.3:
            return None
        return img[y0 : y0 + s, x0 : x0 + s], mask

    def sample(self, rng, erase_share=0.5):
        """One (crop S x S x 3 uint8, mask S x S bool, kind) with a random D4 turn."""
        while True:
            kind = 'erase' if rng.random() < erase_share else 'ring'
            got = self.erase_sample(rng) if kind == 'erase' else self.ring_sample(rng)
            if got is None:
                continue
            crop, mask = got
            k = int(rng.integers(4))
            crop, mask = np.rot90(crop, k), np.rot90(mask, k)
            if rng.random() < 0.5:
                crop, mask = crop[:, ::-1], mask[:, ::-1]
            return np.ascontiguousarray(crop), np.ascontiguousarray(mask), kind

    def batch(self, rng, n, erase_share=0.5):
        """x0 [n,3,S,S] float32 in [-1, 1] and mask [n,1,S,S] float32 (1 = unknown), as numpy."""
        s = self.tile
        x0 = np.empty((n, 3, s, s), np.float32)
        mask = np.empty((n, 1, s, s), np.float32)
        for b in range(n):
            crop, m, _ = self.sample(rng, erase_share)
            x0[b] = crop.transpose(2, 0, 1) / 127.5 - 1.0
            mask[b, 0] = m
        return x0, mask

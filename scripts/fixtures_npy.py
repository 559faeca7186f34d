#!/usr/bin/env python3
"""Writes the .npy test fixtures into test/fixtures/npy/ (numpy >= 1.17).

- arrays/*.npy: small arrays of every dtype nucleimix reads, C and Fortran order, header
  versions 1.0, 2.0 and 3.0, big-endian, 0-d and empty.
- pannuke/: a tiny PanNuke-like set (3 images of 24x20, float64 images with integer values,
  float64 6-channel masks with disk-shaped instances, an id shared by two channels, two
  overlapping instances, one instance entirely under another, and an empty image).
- pannuke-u8/: a second set with uint8 images (16x16), as some PanNuke copies store them.
- expected.json: what numpy reads from each array, and the labels the PanNuke reader must build
  under its documented rules (see src/io/pannuke.ts), computed here independently.

Run: python3 scripts/fixtures_npy.py
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'npy')


def jsonable(v):
    """A JSON value for one numpy scalar: non-finite floats and big integers as strings."""
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        v = int(v)
        return v if abs(v) <= 2**53 else str(v)
    if isinstance(v, (np.floating, float)):
        v = float(v)
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
        return v
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode('latin1')
    return str(v)


def write_arrays(expected):
    d = os.path.join(OUT, 'arrays')
    os.makedirs(d, exist_ok=True)
    arrays = {
        'u1': (np.array([[0, 1, 127], [128, 254, 255]], dtype='|u1'), None),
        'i1': (np.array([[-128, -1, 0], [1, 100, 127]], dtype='|i1'), None),
        'u2': (np.array([0, 1, 65534, 65535], dtype='<u2'), None),
        'i2': (np.array([-32768, -1, 0, 32767], dtype='<i2'), None),
        'u4': (np.array([0, 1, 2**32 - 1, 123456789], dtype='<u4'), None),
        'i4': (np.array([[-2**31, -1], [0, 2**31 - 1]], dtype='<i4'), None),
        'u8': (np.array([0, 1, 2**53, 2**64 - 1], dtype='<u8'), None),
        'i8': (np.array([-2**63, -1, 2**53 + 1, 2**63 - 1], dtype='<i8'), None),
        'f4': (np.array([[0.1, -2.5], [1e30, np.nan], [np.inf, -np.inf]], dtype='<f4'), None),
        'f8': (np.array([[[0.1, -0.0], [1e300, 5e-324]], [[np.pi, np.nan], [-np.inf, 255.0]]], dtype='<f8'), None),
        'b1': (np.array([True, False, True, True, False]), None),
        'be_u2': (np.array([1, 258, 65535], dtype='>u2'), None),
        'be_i4': (np.array([[-2, 16909060], [7, -2**31]], dtype='>i4'), None),
        'be_u8': (np.array([1, 2**40 + 3], dtype='>u8'), None),
        'be_f4': (np.array([1.5, -0.1], dtype='>f4'), None),
        'be_f8': (np.array([[1.5, -0.1, 1e-300]], dtype='>f8'), None),
        'unicode': (np.array(['Breast', 'Colon', 'Bile-duct', '', 'ÄÖü', '日本', '😀x'], dtype='<U9'), None),
        'be_unicode': (np.array(['ab', 'Σ'], dtype='>U3'), None),
        'bytes': (np.array([b'ab', b'', b'abcd'], dtype='|S4'), None),
        'scalar': (np.array(3.5), None),
        'empty': (np.zeros((0, 3), dtype='<f4'), None),
        'c3d': (np.arange(5 * 4 * 3, dtype='<i4').reshape(5, 4, 3) * 7 - 50, None),
        'v2': (np.arange(12, dtype='<f8').reshape(3, 4) / 4, (2, 0)),
        'v3': (np.array(['x', 'yz', 'Ω'], dtype='<U2'), (3, 0)),
        'fortran_i2': (np.asfortranarray(np.arange(2 * 3 * 4, dtype='<i2').reshape(2, 3, 4) - 5), None),
        'fortran_f8': (np.asfortranarray(np.arange(5 * 3, dtype='<f8').reshape(5, 3) * 1.25), None),
        'fortran_4d': (np.asfortranarray(np.arange(4 * 2 * 3 * 2, dtype='<u2').reshape(4, 2, 3, 2)), None),
    }
    for name, (arr, version) in arrays.items():
        path = os.path.join(d, name + '.npy')
        with open(path, 'wb') as f:
            np.lib.format.write_array(f, arr, version=version, allow_pickle=False)
        back = np.load(path)
        expected['arrays'][name] = {
            'descr': np.lib.format.dtype_to_descr(back.dtype),
            'fortran_order': bool(back.flags.f_contiguous and not back.flags.c_contiguous),
            'shape': list(back.shape),
            'version': list(version or (1, 0)),
            'values': [jsonable(v) for v in back.ravel(order='C')],
        }


def disk(h, w, cx, cy, r):
    yy, xx = np.mgrid[0:h, 0:w]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def combine(mask):
    """The reader's documented rule, written independently: channels 0..4 in order; an id seen
    in an earlier channel gets max+1, max+2, ... (ascending original id within a channel); a
    pixel claimed by several channels belongs to the first."""
    h, w, _ = mask.shape
    inst = np.zeros((h, w), dtype=np.int64)
    type_of = {}
    renamed = []
    nxt = int(mask[..., :5].max()) + 1
    for c in range(5):
        ch = mask[..., c].astype(np.int64)
        for v in np.unique(ch[ch > 0]):
            v = int(v)
            new = v
            if v in type_of:
                new = nxt
                nxt += 1
                renamed.append([new, v])
            type_of[new] = c + 1
            inst[(ch == v) & (inst == 0)] = new
    ids = sorted(int(i) for i in np.unique(inst) if i != 0)
    instances = []
    for i in ids:
        ys, xs = np.nonzero(inst == i)
        instances.append({'id': i, 'type': type_of[i], 'centroid': [float(xs.mean()), float(ys.mean())], 'area': int(len(xs))})
    return inst, instances, renamed


def write_pannuke(name, images, masks, tissues, expected):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, 'images.npy'), images)
    np.save(os.path.join(d, 'masks.npy'), masks)
    np.save(os.path.join(d, 'types.npy'), np.array(tissues))
    samples = []
    for i in range(len(images)):
        inst, instances, renamed = combine(masks[i])
        samples.append({'inst': inst.ravel().tolist(), 'instances': instances, 'renamed': renamed})
    expected['pannuke'][name] = {
        'n': len(images), 'height': images.shape[1], 'width': images.shape[2],
        'image_descr': np.lib.format.dtype_to_descr(images.dtype),
        'mask_descr': np.lib.format.dtype_to_descr(masks.dtype),
        'types_descr': np.lib.format.dtype_to_descr(np.array(tissues).dtype),
        'tissues': list(tissues), 'samples': samples,
    }


def paint(h, w, instances):
    """6-channel PanNuke mask from (channel, id, cx, cy, r) disks; later disks of the same
    channel overwrite earlier ones; channel 5 is 1 exactly where channels 0..4 are all 0."""
    m = np.zeros((h, w, 6), dtype=np.float64)
    for c, i, cx, cy, r in instances:
        m[..., c][disk(h, w, cx, cy, r)] = i
    m[..., 5] = (m[..., :5] == 0).all(axis=-1)
    return m


def main():
    rng = np.random.default_rng(20240607)
    expected = {'arrays': {}, 'pannuke': {}}
    write_arrays(expected)

    h, w = 24, 20
    images = rng.integers(0, 256, size=(3, h, w, 3)).astype(np.float64)
    images[0, 0, 0] = [0, 255, 128]
    masks = np.stack([
        # id 12 in channels 0 and 2: the later one must be renamed
        paint(h, w, [(0, 12, 4, 4, 3), (1, 40, 14, 5, 3), (2, 12, 5, 17, 3), (4, 7, 15, 18, 2), (3, 41, 10, 11, 1)]),
        # 5 and 9 overlap (the neoplastic one keeps the shared pixels); 20 lies entirely
        # under 5; 5 again in channel 4 (renamed)
        paint(h, w, [(0, 5, 8, 8, 4), (1, 9, 12, 10, 3), (2, 20, 7, 7, 1), (4, 5, 4, 20, 2), (3, 2, 17, 20, 2)]),
        paint(h, w, []),
    ])
    # Overlaps cannot be painted channel by channel above (each channel is its own plane), so
    # they are there already: 9's disk reaches into 5's, and 20 is inside 5.
    write_pannuke('pannuke', images, masks, ['Breast', 'Adrenal_gland', 'Colon'], expected)

    h, w = 16, 16
    images8 = rng.integers(0, 256, size=(2, h, w, 3)).astype(np.uint8)
    masks8 = np.stack([
        paint(h, w, [(0, 1025, 5, 5, 3), (2, 3, 11, 10, 3)]),
        paint(h, w, [(1, 70000, 8, 8, 4)]),
    ])
    write_pannuke('pannuke-u8', images8, masks8, ['Skin', 'Lung'], expected)

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Generates test/fixtures/metrics/reference.json: small instance-map pairs (input) and the
numbers HoVer-Net's evaluation gives on them (expected), for test/metrics/reference.test.ts.

The inputs are generated deterministically here (seeded numpy): overlapping blobs with
non-consecutive ids, a prediction made by dropping, shrinking, merging, shifting and adding
instances, one-pixel instances, an IoU tie, an image whose prediction is empty and one whose
ground truth is empty; centroids partly snapped to half pixels (distance ties) and one placed
where the float32 cast decides the 12 px pairing.

The expected numbers come from a port of the reference's metric functions below, following
vqdang/hover_net `metrics/stats_utils.py` (get_dice_1, get_fast_aji, get_fast_aji_plus,
get_fast_pq, remap_label, pair_coordinates) and `compute_stats.py` (run_nuclei_type_stat,
run_nuclei_inst_stat) -- HoVer-Net is MIT licensed, (c) 2020 Simon Graham, Quoc Dang Vu --
and PanNuke's per-image mPQ (TissueImageAnalytics/PanNuke-metrics `run.py`, without the
tissue averaging). The port keeps every behaviour that decides a number: renumbering in id
order, IoU = inter / (union + 1e-6) for AJI with argmax (first on ties), scipy's
linear_sum_assignment on -IoU for AJI+, IoU > 0.5 pairs and sum / (TP + 1e-6) for PQ,
float32 centroids with the full-matrix assignment before the 12 px cut, the (0, 0) type-0
stand-in for images without instances, numpy's sums and means. Where the reference crashes
(AJI with no prediction) the expected value is null.

Also writes scipy's linear_sum_assignment answers on small matrices full of ties, to check
that our solver breaks ties as scipy does.

Run from the repository root: python3 scripts/fixtures_metrics.py
"""
import json
import os

import numpy as np
from scipy.optimize import linear_sum_assignment

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'metrics')
RADIUS = 12


# ---------------------------------------------------------------- port of the reference

def remap(m):
    """remap_label: ids renumbered 1..N in ascending order of the old ids."""
    ids = np.unique(m)
    ids = ids[ids != 0]
    out = np.zeros(m.shape, np.int32)
    for k, i in enumerate(ids):
        out[m == i] = k + 1
    return out


def tables(true, pred):
    """Pairwise intersection and union (float64, nT x nP) of renumbered maps, and the areas."""
    nt, np_ = int(true.max()), int(pred.max())
    at = np.bincount(true.ravel(), minlength=nt + 1)[1:]
    ap = np.bincount(pred.ravel(), minlength=np_ + 1)[1:]
    inter = np.zeros((nt, np_), np.float64)
    both = (true > 0) & (pred > 0)
    np.add.at(inter, (true[both] - 1, pred[both] - 1), 1)
    union = np.where(inter > 0, at[:, None] + ap[None, :] - inter, 0).astype(np.float64)
    return inter, union, at, ap


def dice(true, pred):
    t = (true > 0).astype(np.int64)
    p = (pred > 0).astype(np.int64)
    return 2.0 * np.sum(t * p) / np.sum(t + p)


def aji(true, pred, plus):
    inter, union, at, ap = tables(true, pred)
    iou = inter / (union + 1.0e-6)
    if plus:
        rows, cols = linear_sum_assignment(-iou)
        keep = iou[rows, cols] > 0.0
        rows, cols = rows[keep], cols[keep]
    else:
        if iou.shape[1] == 0:
            return None  # the reference's argmax of an empty row raises here
        cols = np.argmax(iou, axis=1)
        rows = np.nonzero(np.max(iou, axis=1) > 0.0)[0]
        cols = cols[rows]
    i_sum = inter[rows, cols].sum()
    u_sum = union[rows, cols].sum()
    u_sum += at[np.setdiff1d(np.arange(len(at)), rows)].sum()
    u_sum += ap[np.setdiff1d(np.arange(len(ap)), cols)].sum()
    return i_sum / u_sum


def pq(true, pred):
    inter, union, at, ap = tables(true, pred)
    total = at[:, None] + ap[None, :]
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = np.where(inter > 0, inter / (total - inter), 0.0)
    iou[iou <= 0.5] = 0.0
    rows, cols = np.nonzero(iou)
    paired = iou[rows, cols]
    tp = len(rows)
    fp = len(ap) - len(set(cols.tolist()))
    fn = len(at) - len(set(rows.tolist()))
    dq = tp / (tp + 0.5 * fp + 0.5 * fn)
    sq = paired.sum() / (tp + 1.0e-6)
    return dq, sq, dq * sq


def points(centroids, types):
    """As compute_stats reads a stored inst_centroid / inst_type (float32 / int32)."""
    c = np.asarray(centroids, np.float64).reshape(-1, 2).astype('float32')
    t = np.asarray(types).astype('int32')
    if c.shape[0] == 0:
        return np.array([[0, 0]]), np.array([0])  # int64 stand-in, as the reference
    return c, t


def pair_coordinates(a, b):
    d = np.sqrt(np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1))
    rows, cols = linear_sum_assignment(d)
    keep = d[rows, cols] <= RADIUS
    pairs = list(zip(rows[keep].tolist(), cols[keep].tolist()))
    unpaired_a = [i for i in range(a.shape[0]) if i not in rows[keep]]
    unpaired_b = [j for j in range(b.shape[0]) if j not in cols[keep]]
    return pairs, unpaired_a, unpaired_b


def type_stats(images):
    pt, pp, ut, up, all_true = [], [], [], [], []
    for im in images:
        ta, tt = points(im['true_centroids'], im['true_types'])
        pa, ptypes = points(im['pred_centroids'], im['pred_types'])
        pairs, ua, ub = pair_coordinates(ta, pa)
        pt += [int(tt[i]) for i, _ in pairs]
        pp += [int(ptypes[j]) for _, j in pairs]
        ut += [int(tt[i]) for i in ua]
        up += [int(ptypes[j]) for j in ub]
        all_true += [int(x) for x in tt]
    pt, pp, ut, up = map(np.array, (pt, pp, ut, up))
    tp, fp, fn = len(pt), len(up), len(ut)
    f_d = 2 * tp / (2 * tp + fp + fn)
    acc = int((pt == pp).sum()) / tp
    f_type = {}
    for t in sorted(set(all_true)):
        sel = (pt == t) | (pp == t)
        a, b = pt[sel], pp[sel]
        tp_t = int(((a == t) & (b == t)).sum())
        fp_t = int(((a != t) & (b == t)).sum())
        fn_t = int(((a == t) & (b != t)).sum())
        f_type[str(t)] = 2 * tp_t / (2 * tp_t + 2 * fp_t + 2 * fn_t + int((up == t).sum()) + int((ut == t).sum()))
    return {'f_d': f_d, 'acc': acc, 'f_type': f_type}


def restrict(m, ids, types, t):
    keep = [i for i, ty in zip(ids, types) if ty == t]
    return remap(np.where(np.isin(m, keep), m, 0))


def image_mpq(true, pred, im, type_list):
    tid = np.unique(true)[1:]
    pid = np.unique(pred)[1:]
    vals = []
    for t in type_list:
        if t not in im['true_types']:
            vals.append(np.nan)
            continue
        vals.append(pq(restrict(true, tid, im['true_types'], t), restrict(pred, pid, im['pred_types'], t))[2])
    return np.nanmean(vals) if not np.all(np.isnan(vals)) else np.nan


# ---------------------------------------------------------------- inputs

def blobs(rng, h, w, ids):
    m = np.zeros((h, w), np.int32)
    yy, xx = np.mgrid[:h, :w]
    for i in ids:
        cy, cx, r = rng.randint(0, h), rng.randint(0, w), rng.uniform(1.0, 4.5)
        m[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = i
    return m


def predict(rng, m):
    p = m.copy()
    ids = [int(i) for i in np.unique(m) if i]
    for i in ids:
        u = rng.rand()
        if u < 0.15:
            p[p == i] = 0
        elif u < 0.35:
            ys, xs = np.nonzero(p == i)
            if len(ys) > 1:
                p[ys[:2], xs[:2]] = 0
        elif u < 0.45:
            p[p == i] = ids[rng.randint(len(ids))]
    p = np.roll(p, rng.randint(-1, 2), axis=1)
    extra = blobs(rng, *m.shape, [901, 903])
    p[extra > 0] = extra[extra > 0]
    return p


def centroids(m, snap):
    out = []
    for i in np.unique(m)[1:]:
        ys, xs = np.nonzero(m == i)
        c = [float(xs.mean()), float(ys.mean())]
        out += [round(v * 2) / 2 for v in c] if snap else c
    return out


def make_image(name, true, pred, rng, snap):
    nt, np_ = len(np.unique(true)) - 1, len(np.unique(pred)) - 1
    return {
        'name': name, 'height': true.shape[0], 'width': true.shape[1],
        'true': true.ravel().tolist(), 'pred': pred.ravel().tolist(),
        'true_types': rng.randint(1, 4, nt).tolist(), 'pred_types': rng.randint(1, 4, np_).tolist(),
        'true_centroids': centroids(true, snap), 'pred_centroids': centroids(pred, snap),
    }


def inputs():
    rng = np.random.RandomState(20240604)
    images = []
    for k in range(3):
        h, w = 22, 24
        t = blobs(rng, h, w, rng.permutation(60)[: 8 + 4 * k] * 5 + 3)
        images.append(make_image(f'blobs_{k}', t, predict(rng, t), rng, snap=k == 1))
    # one-pixel instances, an IoU tie (GT 7 meets predictions 2 and 5 equally), a lone pred
    t = np.zeros((6, 8), np.int32)
    p = np.zeros((6, 8), np.int32)
    t[0, 0] = 4
    p[0, 0] = 9
    t[2, 1:5] = 7
    p[2, 1:3] = 5
    p[2, 3:5] = 2
    t[4, 6] = 11
    p[5, 0] = 3
    images.append(make_image('tiny_ties', t, p, rng, snap=False))
    # prediction empty (the reference's AJI crashes), ground truth empty
    t = blobs(rng, 10, 12, [2, 6])
    images.append(make_image('pred_empty', t, np.zeros_like(t), rng, snap=False))
    p = blobs(rng, 10, 12, [1, 8])
    images.append(make_image('true_empty', np.zeros_like(p), p, rng, snap=False))
    # the float32 cast decides: stored centroids 12.0000001 px apart, exactly 12 in float32
    t = np.zeros((3, 16), np.int32)
    p = np.zeros((3, 16), np.int32)
    t[1, 1] = 1
    p[1, 13] = 1
    im = make_image('float32_edge', t, p, rng, snap=False)
    im['true_centroids'] = [1.0, 1.0]
    im['pred_centroids'] = [13.0000001, 1.0]
    images.append(im)
    return images


def lsap_cases():
    rng = np.random.RandomState(7)
    cases = []
    for k in range(40):
        nr, nc = rng.randint(1, 7), rng.randint(1, 7)
        if k % 2 == 0:
            c = rng.randint(0, 3, (nr, nc)).astype(float)
        else:
            c = -np.round(rng.rand(nr, nc) * (rng.rand(nr, nc) < 0.4), 1)
        rows, cols = linear_sum_assignment(c)
        cases.append({'rows': nr, 'cols': nc, 'cost': c.ravel().tolist(),
                      'row_ind': rows.tolist(), 'col_ind': cols.tolist()})
    return cases


def main():
    images = sorted(inputs(), key=lambda im: im['name'])  # the reference's file order
    per_image = {}
    mpqs = []
    keys = ['dice', 'aji', 'dq', 'sq', 'pq', 'aji_plus']
    all_types = sorted({t for im in images for t in im['true_types']})
    for im in images:
        true = remap(np.array(im['true'], np.int32).reshape(im['height'], im['width']))
        pred = remap(np.array(im['pred'], np.int32).reshape(im['height'], im['width']))
        with np.errstate(invalid='ignore', divide='ignore'):
            dq, sq, pq_ = pq(true, pred) if true.max() + pred.max() > 0 else (None, None, None)
        vals = [dice(true, pred), aji(true, pred, False), dq, sq, pq_, aji(true, pred, True)]
        per_image[im['name']] = dict(zip(keys, [None if v is None else float(v) for v in vals]))
        mpqs.append(image_mpq(true, pred, im, all_types))
        im['expected'] = per_image[im['name']]
        im['expected_mpq'] = None if np.isnan(mpqs[-1]) else float(mpqs[-1])
    doc = {
        'about': 'generated by scripts/fixtures_metrics.py; expected numbers from a port of HoVer-Net (MIT) metrics',
        'images': images,
        'type': type_stats(images),
        'mpq': float(np.nanmean(mpqs)),
        'lsap': lsap_cases(),
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()

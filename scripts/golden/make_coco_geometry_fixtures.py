#!/usr/bin/env python3
"""Golden fixtures for src/coco/coco-rle.ts, produced by pycocotools itself.

Usage: python3 scripts/golden/make_coco_geometry_fixtures.py
Writes test/fixtures/coco/geometry.json (deterministic: fixed seed).
Needs numpy and pycocotools (python3 -m pip install pycocotools).
"""
import json
import os
import random

import numpy as np
from pycocotools import mask as M

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'coco', 'geometry.json')
rng = random.Random(20240611)
nrng = np.random.default_rng(20240611)


def s(rle):
    c = rle['counts']
    return c.decode('ascii') if isinstance(c, bytes) else c


def runs(mask):
    """Column-major run lengths starting with 0s: an independent check of the counts list."""
    flat = np.asfortranarray(mask).flatten(order='F')
    out, prev, c = [], 0, 0
    for v in flat:
        if v != prev:
            out.append(c)
            c, prev = 0, v
        c += 1
    out.append(c)
    return out


def mask_str(m):
    return ''.join('1' if v else '0' for v in m.reshape(-1))


def random_mask(h, w, kind):
    if kind == 'empty':
        return np.zeros((h, w), np.uint8)
    if kind == 'full':
        return np.ones((h, w), np.uint8)
    if kind == 'blob':
        m = np.zeros((h, w), np.uint8)
        for _ in range(rng.randint(1, 4)):
            cy, cx = rng.uniform(0, h), rng.uniform(0, w)
            ry, rx = rng.uniform(1, h / 2 + 1), rng.uniform(1, w / 2 + 1)
            yy, xx = np.mgrid[0:h, 0:w]
            m |= (((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1).astype(np.uint8)
        return m
    return (nrng.random((h, w)) < float(kind)).astype(np.uint8)


def encode_cases():
    sizes = [(1, 1), (1, 17), (17, 1), (2, 2), (5, 7), (7, 5), (32, 24), (40, 50), (3, 100), (100, 3), (0, 5), (6, 0)]
    kinds = ['empty', 'full', '0.5', '0.05', '0.95', 'blob']
    cases = []
    for h, w in sizes:
        for kind in kinds:
            m = random_mask(h, w, kind)
            rle = M.encode(np.asfortranarray(m))
            counts = runs(m)
            assert s(M.frPyObjects({'size': [h, w], 'counts': counts}, h, w)) == s(rle)
            dec = M.decode(rle)
            assert (dec == m).all()
            cases.append({
                'h': h, 'w': w, 'mask': mask_str(m), 'counts': counts, 'compressed': s(rle),
                'area': int(M.area(rle)), 'bbox': [float(v) for v in M.toBbox(rle)],
            })
    return cases


def random_polygon(h, w, kind):
    n = rng.randint(3, 12)
    if kind == 'inside':
        return [round(v, 4) for _ in range(n) for v in (rng.uniform(0, w), rng.uniform(0, h))]
    if kind == 'outside':
        return [round(v, 4) for _ in range(n) for v in (rng.uniform(-w / 2, 1.5 * w), rng.uniform(-h / 2, 1.5 * h))]
    if kind == 'integer':
        return [v for _ in range(n) for v in (rng.randint(0, w), rng.randint(0, h))]
    if kind == 'halves':
        return [v for _ in range(n) for v in (rng.randint(0, 2 * w) / 2, rng.randint(0, 2 * h) / 2)]
    if kind == 'star':
        cx, cy, pts = rng.uniform(0, w), rng.uniform(0, h), []
        for i in range(2 * n):
            r = rng.uniform(1, min(h, w) / 2) * (1 if i % 2 else 0.4)
            a = np.pi * i / n
            pts += [cx + r * np.cos(a), cy + r * np.sin(a)]
        return [float(v) for v in pts]
    if kind == 'duplicates':
        p = random_polygon(h, w, 'integer')
        i = 2 * rng.randrange(len(p) // 2)
        return p[: i + 2] + p[i:i + 2] + p[i:]
    if kind == 'collinear':
        x0, y0, dx, dy = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(-3, 3), rng.uniform(-3, 3)
        return [v for t in range(n) for v in (x0 + t * dx, y0 + t * dy)]
    if kind == 'tiny':
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        return [v for _ in range(3) for v in (x0 + rng.uniform(0, 0.6), y0 + rng.uniform(0, 0.6))]
    raise ValueError(kind)


def polygon_cases():
    sizes = [(1, 1), (1, 30), (30, 1), (10, 10), (24, 37), (64, 48), (480, 640)]
    kinds = ['inside', 'outside', 'integer', 'halves', 'star', 'duplicates', 'collinear', 'tiny']
    cases = []
    for h, w in sizes:
        for kind in kinds:
            for parts in (1, 3):
                polys = [random_polygon(h, w, kind) for _ in range(parts)]
                if parts == 3 and kind == 'inside':
                    polys.append([rng.uniform(0, w), rng.uniform(0, h)])  # one point: degenerate
                    polys.append(polys[0][:7])  # odd length: pycocotools drops the trailing number
                rle = M.merge(M.frPyObjects(polys, h, w))
                case = {'h': h, 'w': w, 'polygons': polys, 'compressed': s(rle),
                        'area': int(M.area(rle)), 'bbox': [float(v) for v in M.toBbox(rle)]}
                if h * w <= 4096:
                    case['mask'] = mask_str(M.decode(rle))
                cases.append(case)
    return cases


def bbox_cases():
    cases = []
    for h, w in [(10, 10), (1, 20), (37, 23), (480, 640)]:
        for _ in range(8):
            bb = [rng.uniform(-5, w), rng.uniform(-5, h), rng.uniform(0, w), rng.uniform(0, h)]
            if rng.random() < 0.3:
                bb = [float(round(v)) for v in bb]
            rle = M.frPyObjects(np.array([bb], dtype=np.double), h, w)[0]
            cases.append({'h': h, 'w': w, 'bbox': bb, 'compressed': s(rle)})
    return cases


def random_rle(h, w):
    kind = rng.choice(['blob', 'blob', 'poly', '0.3', 'empty', 'full'])
    if kind == 'poly':
        return M.merge(M.frPyObjects([random_polygon(h, w, 'inside')], h, w))
    return M.encode(np.asfortranarray(random_mask(h, w, kind)))


def merge_cases():
    cases = []
    for h, w in [(1, 9), (12, 8), (40, 30), (120, 160)]:
        for n in (1, 2, 3, 5):
            rles = [random_rle(h, w) for _ in range(n)]
            for intersect in (False, True):
                out = M.merge(rles, intersect=intersect)
                cases.append({'size': [h, w], 'rles': [s(r) for r in rles], 'intersect': intersect,
                              'compressed': s(out)})
    a = M.encode(np.asfortranarray(np.ones((3, 4), np.uint8)))
    b = M.encode(np.asfortranarray(np.ones((4, 3), np.uint8)))
    cases.append({'sizes': [[3, 4], [4, 3]], 'rles': [s(a), s(b)], 'intersect': False,
                  'result_size': M.merge([a, b])['size'], 'compressed': s(M.merge([a, b]))})
    return cases


def iou_cases():
    cases = []
    for h, w in [(1, 12), (20, 20), (64, 48), (120, 90)]:
        for _ in range(4):
            dt = [random_rle(h, w) for _ in range(rng.randint(1, 6))]
            gt = [random_rle(h, w) for _ in range(rng.randint(1, 6))]
            if rng.random() < 0.5:
                dt.append(gt[0])
            crowd = [rng.random() < 0.3 for _ in gt]
            out = M.iou(dt, gt, [int(c) for c in crowd])
            cases.append({'size': [h, w], 'dt': [s(r) for r in dt], 'gt': [s(r) for r in gt], 'iscrowd': crowd,
                          'iou': [[float(v) for v in row] for row in np.asarray(out)]})
    # different sizes give -1 where the boxes overlap
    a = M.encode(np.asfortranarray(np.ones((3, 4), np.uint8)))
    b = M.encode(np.asfortranarray(np.ones((4, 3), np.uint8)))
    cases.append({'sizes_dt': [[3, 4]], 'sizes_gt': [[4, 3]], 'dt': [s(a)], 'gt': [s(b)], 'iscrowd': [False],
                  'iou': [[float(v) for v in row] for row in np.asarray(M.iou([a], [b], [0]))]})
    return cases


def bbox_iou_cases():
    cases = []
    for _ in range(12):
        def box():
            b = [rng.uniform(0, 50), rng.uniform(0, 50), rng.uniform(0, 30), rng.uniform(0, 30)]
            return [float(round(v)) for v in b] if rng.random() < 0.3 else b
        dt = [box() for _ in range(rng.randint(1, 7))]
        gt = [box() for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.5:
            dt.append(list(gt[0]))
        crowd = [rng.random() < 0.3 for _ in gt]
        out = M.iou(dt, gt, [int(c) for c in crowd])
        cases.append({'dt': dt, 'gt': gt, 'iscrowd': crowd, 'iou': [[float(v) for v in row] for row in np.asarray(out)]})
    return cases


def string_cases():
    """Large and irregular run lengths exercise the delta and sign-extension paths of the codec.

    Runs stay below 2**28 (an image of 268M pixels): beyond six 5-bit groups the C decoder
    shifts an int by 35 bits, which is undefined behaviour, so no exact answer exists there.
    """
    cases = []
    for _ in range(20):
        n = rng.randint(1, 30)
        counts = [rng.choice([0, 1, 2, 15, 16, 31, 32, 33, 1000, rng.randint(0, 2 ** 24), rng.randint(0, 2 ** 28)])
                  for _ in range(n)]
        total = sum(counts)
        rle = M.frPyObjects({'size': [1, total], 'counts': counts}, 1, total)
        cases.append({'counts': counts, 'compressed': s(rle)})
    return cases


def main():
    data = {
        'generator': 'scripts/golden/make_coco_geometry_fixtures.py',
        'encode': encode_cases(),
        'polygons': polygon_cases(),
        'bbox': bbox_cases(),
        'merge': merge_cases(),
        'iou': iou_cases(),
        'bboxIou': bbox_iou_cases(),
        'strings': string_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()

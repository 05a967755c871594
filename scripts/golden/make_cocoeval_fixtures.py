#!/usr/bin/env python3
"""Golden COCOeval fixtures for src/eval/coco-eval.ts, answered by pycocotools.

Usage: python3 scripts/golden/make_cocoeval_fixtures.py
Writes test/fixtures/cocoeval/<case>.json ({gt, dt, iouType, useCats, params?, expected}) for the unit
tests and test/fixtures/cocoeval/heldout/{gt,dt,expected}.json for the CLI test only.
expected: the 12 stats, per-category ap/ap50 (mean of precision > -1 at area all, maxDets 100;
-1 when empty), and sha256 digests (plus sums, for diagnosis) of the float64 C-order
precision/recall/scores arrays. Deterministic: fixed seeds. Needs numpy and pycocotools.
"""
import contextlib
import copy
import hashlib
import io
import json
import math
import os
import random

import numpy as np
from pycocotools import mask as M
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'cocoeval')


def blob_polygon(rng, cx, cy, r, n=None):
    n = n or rng.randint(5, 14)
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n + rng.uniform(-0.2, 0.2)
        rr = r * rng.uniform(0.6, 1.0)
        pts += [round(cx + rr * math.cos(a), 2), round(cy + rr * math.sin(a), 2)]
    return pts


def jitter(rng, poly, amount):
    return [round(v + rng.uniform(-amount, amount), 2) for v in poly]


def s(rle):
    return rle['counts'].decode('ascii') if isinstance(rle['counts'], bytes) else rle['counts']


def runs(mask):
    flat = mask.flatten(order='F')
    out, prev, c = [], 0, 0
    for v in flat:
        if v != prev:
            out.append(c)
            c, prev = 0, v
        c += 1
    out.append(c)
    return out


def rle_of(polys, h, w):
    return M.merge(M.frPyObjects(polys, h, w))


def make_case(seed, n_img=12, n_cat=4, size=(160, 200), crowd=0.1, empty_img=0.15, fp_rate=1.0,
              dt_format='rle', gt_formats=('poly',), tie_decimals=None, crowded_image=False,
              stray_category=False, gt_id_zero=False, wrong_cat=0.1, area_noise=False, missing=0.2):
    rng = random.Random(seed)
    h0, w0 = size
    images, anns, dts = [], [], []
    cats = [{'id': 3 * k + 1, 'name': f'cat{k}', 'supercategory': 'x'} for k in range(n_cat)]
    next_id = 0 if gt_id_zero else 1
    for i in range(n_img):
        h, w = h0 + rng.randint(-20, 20), w0 + rng.randint(-20, 20)
        img_id = 1000 + 7 * i
        images.append({'id': img_id, 'height': h, 'width': w, 'file_name': f'{img_id}.jpg'})
        n_obj = 0 if rng.random() < empty_img else rng.randint(1, 7)
        for _ in range(n_obj):
            cat = rng.choice(cats)['id']
            r = rng.choice([3, 6, 12, 20, 35, 60])
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            parts = [blob_polygon(rng, cx, cy, r)]
            if rng.random() < 0.15:
                parts.append(blob_polygon(rng, cx + r, cy + r, r / 2))
            rle = rle_of(parts, h, w)
            is_crowd = rng.random() < crowd
            fmt = 'uncompressed' if is_crowd else rng.choice(gt_formats)
            if fmt == 'poly':
                seg = parts
            elif fmt == 'uncompressed':
                seg = {'size': [h, w], 'counts': runs(M.decode(rle))}
            else:
                seg = {'size': [h, w], 'counts': s(rle)}
            area = float(M.area(rle))
            if area_noise:
                area = round(area * rng.uniform(0.8, 1.2), 2)
            bbox = [float(v) for v in M.toBbox(rle)]
            anns.append({'id': next_id, 'image_id': img_id, 'category_id': cat, 'segmentation': seg,
                         'area': area, 'bbox': bbox, 'iscrowd': int(is_crowd)})
            next_id += 1
            if rng.random() < missing:
                continue
            dcat = rng.choice(cats)['id'] if rng.random() < wrong_cat else cat
            dts.append(make_dt(rng, img_id, dcat, [jitter(rng, p, r * 0.25) for p in parts], h, w))
        n_fp = int(rng.random() * 3 * fp_rate)
        if crowded_image and i == 1:
            n_fp = 140
        for _ in range(n_fp):
            r = rng.choice([3, 8, 15, 30, 50])
            poly = blob_polygon(rng, rng.uniform(0, w), rng.uniform(0, h), r)
            dts.append(make_dt(rng, img_id, rng.choice(cats)['id'], [poly], h, w))
    if stray_category:
        dts.append(make_dt(rng, images[0]['id'], 999, [blob_polygon(rng, 20, 20, 10)], images[0]['height'], images[0]['width']))
    for d in dts:
        d['score'] = round(rng.random(), tie_decimals) if tie_decimals else rng.random()
        fmt = d.pop('_parts')
        if dt_format == 'rle':
            d.pop('bbox')
        elif dt_format == 'bbox':
            d.pop('segmentation')
        elif dt_format == 'poly+bbox':
            d['segmentation'] = fmt
        elif dt_format == 'uncompressed+bbox':
            d['segmentation'] = {'size': d['segmentation']['size'], 'counts': runs(M.decode(d['segmentation']))}
    rng.shuffle(dts)
    gt = {'info': {}, 'images': images, 'annotations': anns, 'categories': cats}
    return gt, dts


def make_dt(rng, img_id, cat, parts, h, w):
    rle = rle_of(parts, h, w)
    bbox = [round(float(v) + rng.uniform(-1, 1), 2) for v in M.toBbox(rle)]
    return {'image_id': img_id, 'category_id': cat, 'segmentation': {'size': [h, w], 'counts': s(rle)},
            'bbox': bbox, '_parts': parts}


def digest(a):
    a = np.ascontiguousarray(a, dtype=np.float64)
    return {'sha256': hashlib.sha256(a.tobytes()).hexdigest(), 'sum': float(a.sum()), 'shape': list(a.shape)}


def run_pycocotools(gt_json, dt_json, iou_type, use_cats, params=None):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(gt_json)
        gt.createIndex()
        dt = gt.loadRes(copy.deepcopy(dt_json))
        E = COCOeval(gt, dt, iou_type)
        E.params.useCats = use_cats
        for key, value in (params or {}).items():
            setattr(E.params, key, list(value))
        E.evaluate()
        E.accumulate()
        E.summarize()
    prec = E.eval['precision']
    cat_ids = [int(c) for c in E.params.catIds] if use_cats else [-1]
    names = {c['id']: c['name'] for c in gt_json['categories']}
    per_cat = []
    for k, cid in enumerate(cat_ids):
        p = prec[:, :, k, 0, -1]
        p = p[p > -1]
        p50 = prec[0, :, k, 0, -1]
        p50 = p50[p50 > -1]
        per_cat.append({'id': int(cid), 'name': names.get(cid, 'all categories'),
                        'ap': float(np.mean(p)) if p.size else -1.0,
                        'ap50': float(np.mean(p50)) if p50.size else -1.0})
    return {'stats': [float(v) for v in E.stats], 'perCategory': per_cat, 'precision': digest(prec),
            'recall': digest(E.eval['recall']), 'scores': digest(E.eval['scores']),
            'iouThrs': [float(v) for v in E.params.iouThrs], 'recThrs': [float(v) for v in E.params.recThrs]}


CASES = {
    'segm-polygons': dict(seed=1, gt_formats=('poly',), dt_format='rle'),
    'segm-rle-formats': dict(seed=2, gt_formats=('poly', 'rle', 'uncompressed'), crowd=0.25, dt_format='rle'),
    'segm-results-with-bbox': dict(seed=3, dt_format='rle+bbox', crowd=0.2),
    'segm-poly-results': dict(seed=4, dt_format='poly+bbox', gt_formats=('rle', 'poly')),
    'segm-uncompressed-results': dict(seed=5, dt_format='uncompressed+bbox'),
    'segm-box-results': dict(seed=6, dt_format='bbox'),
    'segm-ties': dict(seed=7, tie_decimals=1, n_img=20),
    'segm-crowded-image': dict(seed=8, crowded_image=True, n_img=6),
    'segm-many-categories': dict(seed=9, n_cat=40, n_img=30, size=(100, 120)),
    'segm-usecats0': dict(seed=10, n_cat=6, wrong_cat=0.4, use_cats=0, tie_decimals=2),
    'segm-no-gt-images': dict(seed=11, empty_img=0.6, fp_rate=3.0),
    'segm-quirks': dict(seed=12, gt_id_zero=True, stray_category=True, area_noise=True, crowd=0.3),
    'segm-large-objects': dict(seed=13, size=(400, 500), n_img=6),
    'bbox-boxes': dict(seed=21, dt_format='bbox', iou_type='bbox', crowd=0.2),
    'bbox-from-masks': dict(seed=22, dt_format='rle', iou_type='bbox'),
    'bbox-ties-crowded': dict(seed=23, dt_format='bbox', iou_type='bbox', tie_decimals=1, crowded_image=True),
    'bbox-usecats0': dict(seed=24, dt_format='rle+bbox', iou_type='bbox', use_cats=0, wrong_cat=0.5),
    'bbox-many-categories': dict(seed=25, dt_format='bbox', iou_type='bbox', n_cat=60, n_img=30, area_noise=True),
    'bbox-quirks': dict(seed=26, dt_format='bbox', iou_type='bbox', gt_id_zero=True, stray_category=True, empty_img=0.5),
    'segm-medium-mixed': dict(seed=29, n_img=120, n_cat=12, size=(260, 340), crowd=0.08, tie_decimals=2,
                              gt_formats=('poly', 'rle', 'uncompressed'), dt_format='rle', crowded_image=True),
    'segm-subset-params': dict(seed=27, n_cat=6, n_img=16, subset=True),
    'bbox-subset-usecats0': dict(seed=28, dt_format='bbox', iou_type='bbox', n_cat=5, use_cats=0, subset=True),
}
HELDOUT = dict(seed=99, n_img=15, n_cat=5, gt_formats=('poly', 'rle'), crowd=0.15, tie_decimals=2, dt_format='rle+bbox')


def build(spec):
    spec = dict(spec)
    iou_type = spec.pop('iou_type', 'segm')
    use_cats = spec.pop('use_cats', 1)
    subset = spec.pop('subset', False)
    gt, dt = make_case(**spec)
    params = None
    if subset:
        # every other image (plus one id that is not in the ground truth) and half the categories
        img_ids = [img['id'] for img in gt['images']][::2] + [1]
        cat_ids = [c['id'] for c in gt['categories']][1::2]
        params = {'imgIds': img_ids, 'catIds': cat_ids}
    return gt, dt, iou_type, use_cats, params


def dump(path, obj):
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))


def main():
    os.makedirs(os.path.join(OUT, 'heldout'), exist_ok=True)
    total = 0
    for name, spec in CASES.items():
        gt, dt, iou_type, use_cats, params = build(spec)
        expected = run_pycocotools(gt, dt, iou_type, use_cats, params)
        path = os.path.join(OUT, f'{name}.json')
        case = {'name': name, 'iouType': iou_type, 'useCats': bool(use_cats), 'gt': gt, 'dt': dt, 'expected': expected}
        if params:
            case['params'] = params
        dump(path, case)
        total += os.path.getsize(path)
        print(f'{name}: {len(gt["annotations"])} gt, {len(dt)} dt, AP={expected["stats"][0]:.4f}')
    gt, dt, iou_type, use_cats, _ = build(HELDOUT)
    expected = run_pycocotools(gt, dt, iou_type, use_cats)
    dump(os.path.join(OUT, 'heldout', 'gt.json'), gt)
    dump(os.path.join(OUT, 'heldout', 'dt.json'), dt)
    dump(os.path.join(OUT, 'heldout', 'expected.json'), {'iouType': iou_type, **expected})
    print(f'total {total} bytes (+ heldout)')


if __name__ == '__main__':
    main()

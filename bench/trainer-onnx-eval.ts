/**
 * Evaluates a trained model's ONNX file the way the service does: onnxruntime-node through
 * `MaskRcnnModel` (the service's own `predictResults`, detections from score 0.05) and the
 * project's own COCO evaluation (`src/eval/`), on a COCO file whose images carry a `path`
 * (or a `file_name` under `--image-root`). Prints one JSON object; `trainer/bench/train_bench.py`
 * calls it for the final model so the benchmark reports both this and pycocotools' figure.
 *
 *   node --import tsx bench/trainer-onnx-eval.ts --onnx M.onnx --metadata M.json --coco test.json
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { predictResults } from '../src/domains/evaluations/evaluation.service.ts';
import { evaluate, loadCocoGt, loadCocoResults } from '../src/eval/coco-eval.ts';
import { MaskRcnnModel } from '../src/inference/mask-rcnn.ts';

interface GtImage {
  id: number;
  file_name: string;
  path?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      onnx: { type: 'string' },
      metadata: { type: 'string' },
      coco: { type: 'string' },
      'image-root': { type: 'string' },
      threads: { type: 'string', default: '2' },
    },
  });
  if (!values.onnx || !values.metadata || !values.coco) {
    throw new Error('usage: --onnx FILE --metadata FILE --coco FILE [--image-root DIR] [--threads N]');
  }
  const gtJson = JSON.parse(await fs.readFile(values.coco, 'utf8'));
  const metadata = JSON.parse(await fs.readFile(values.metadata, 'utf8'));
  const model = await MaskRcnnModel.load(values.onnx, metadata, { threads: Number(values.threads) });
  const root = values['image-root'] ?? path.dirname(path.resolve(values.coco));
  const t0 = performance.now();
  const results = await predictResults(model, gtJson.images as GtImage[], (image) =>
    fs.readFile(image.path ?? path.join(root, image.file_name)),
  );
  const predictSeconds = (performance.now() - t0) / 1000;
  await model.release();
  const gt = loadCocoGt(gtJson);
  const out: Record<string, unknown> = {
    images: gtJson.images.length,
    detections: results.length,
    predictSeconds,
  };
  for (const iouType of ['segm', 'bbox'] as const) {
    const r = evaluate(gt, loadCocoResults(gt, results, iouType), { iouType });
    out[iouType] = { AP: r.stats[0], AP50: r.stats[1], AP75: r.stats[2], stats: r.stats };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();

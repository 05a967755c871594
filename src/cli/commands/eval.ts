/** `vlm-loop eval`: COCO evaluation (pycocotools-compatible numbers) of a results file against ground truth. */
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  type EvalResult,
  evaluate,
  formatSummary,
  type IouType,
  loadCocoGt,
  loadCocoResults,
  prepareSegmentations,
} from '../../eval/coco-eval.ts';
import { formatFixed3 } from '../../eval/numpy.ts';

interface EvalFlags {
  gt: string;
  dt: string;
  iouType: IouType;
  json?: boolean;
}

/** An input problem, reported as one line naming the file; no stack trace. */
class InputError extends Error {}

/** Runs `step`, prefixing any error with the file it concerns. */
async function about<T>(file: string, step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`);
  }
}

async function readJson(file: string): Promise<unknown> {
  const text = await about(file, () => readFile(file, 'utf8'));
  return about(file, () => {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`invalid JSON (${(err as Error).message})`);
    }
  });
}

async function runEval(flags: EvalFlags): Promise<EvalResult> {
  const [gtJson, dtJson] = [await readJson(flags.gt), await readJson(flags.dt)];
  const gt = await about(flags.gt, () => {
    const ds = loadCocoGt(gtJson);
    if (flags.iouType === 'segm') prepareSegmentations(ds);
    return ds;
  });
  const dt = await about(flags.dt, () => loadCocoResults(gt, dtJson, flags.iouType));
  return evaluate(gt, dt, { iouType: flags.iouType });
}

const apCell = (v: number): string => (v < 0 ? 'n/a' : formatFixed3(v));

/** Aligned id / name / AP / AP50 columns; categories without ground truth show n/a. */
function categoryTable(result: EvalResult): string {
  const rows = result.perCategory.map((c) => [String(c.id), c.name, apCell(c.ap), apCell(c.ap50)]);
  const header = ['id', 'name', 'AP', 'AP50'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'COCO evaluation of detection results against ground truth, with the numbers pycocotools COCOeval gives: ' +
        'the 12 summary stats and AP / AP50 per category.',
    )
    .requiredOption('--gt <file>', 'ground truth, COCO instances JSON')
    .requiredOption('--dt <file>', 'results, a COCO results JSON array')
    .addOption(new Option('--iou-type <type>', 'what is compared').choices(['segm', 'bbox']).default('segm'))
    .option('--json', 'print one JSON object {iouType, stats, perCategory} on stdout')
    .action(async (flags: EvalFlags) => {
      let result: EvalResult;
      try {
        result = await runEval(flags);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        process.stderr.write(`vlm-loop eval: ${err.message}\n`);
        // exit explicitly: process.exitCode does not survive the exit hooks other commands' modules install
        process.exit(1);
      }
      if (flags.json) {
        const { iouType, stats, perCategory } = result;
        process.stdout.write(`${JSON.stringify({ iouType, stats, perCategory })}\n`);
        return;
      }
      process.stdout.write(`${formatSummary(result)}\n\n${categoryTable(result)}\n`);
    });
}

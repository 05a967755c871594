import fs from 'node:fs/promises';
import path from 'node:path';
import { type CurveSeries, learningCurveSvg, svgToPng } from '../plots/learning-curve.ts';
import { type ResultRow, type RunResult, resultRows, type SummaryRow, summarize } from './aggregate.ts';
import type { ExperimentConfig } from './config.ts';
import { type CsvColumn, toCsv } from './csv.ts';
import type { Plan } from './plan.ts';
import { experimentReport } from './report.ts';

const RESULT_COLUMNS: CsvColumn<ResultRow>[] = [
  { header: 'run_key', value: (r) => r.key },
  { header: 'group', value: (r) => r.group },
  { header: 'judge', value: (r) => r.judge },
  { header: 'fraction', value: (r) => r.fraction },
  { header: 'seed', value: (r) => r.seed },
  { header: 'project_id', value: (r) => r.projectId },
  { header: 'run_id', value: (r) => r.runId },
  { header: 'run_status', value: (r) => r.runStatus },
  { header: 'stop_reason', value: (r) => r.stopReason },
  { header: 'iteration', value: (r) => r.iteration.iteration },
  { header: 'iteration_status', value: (r) => r.iteration.status },
  { header: 'train_images', value: (r) => r.iteration.trainImages },
  { header: 'approved', value: (r) => r.iteration.approved },
  { header: 'rejected', value: (r) => r.iteration.rejected },
  { header: 'accepted', value: (r) => r.iteration.accepted },
  { header: 'abstained', value: (r) => r.iteration.abstained },
  { header: 'errors', value: (r) => r.iteration.errors },
  { header: 'segm_ap', value: (r) => r.iteration.metrics?.segmAP },
  { header: 'segm_ap50', value: (r) => r.iteration.metrics?.segmAP50 },
  { header: 'bbox_ap', value: (r) => r.iteration.metrics?.bboxAP },
  { header: 'approval_precision', value: (r) => r.iteration.agreement?.approvalPrecision },
  { header: 'approval_recall', value: (r) => r.iteration.agreement?.approvalRecall },
  { header: 'annotation_seconds', value: (r) => r.iteration.cost?.annotationSeconds },
  { header: 'review_seconds', value: (r) => r.iteration.cost?.reviewSeconds },
  { header: 'human_hours', value: (r) => r.iteration.cost?.humanHours },
  { header: 'vlm_prompt_tokens', value: (r) => r.iteration.cost?.vlmPromptTokens },
  { header: 'vlm_completion_tokens', value: (r) => r.iteration.cost?.vlmCompletionTokens },
  { header: 'vlm_usd', value: (r) => r.iteration.cost?.vlmUsd },
  { header: 'training_seconds', value: (r) => r.iteration.cost?.trainingSeconds },
  { header: 'training_device', value: (r) => r.iteration.cost?.trainingDevice },
  { header: 'total_usd', value: (r) => r.iteration.cost?.totalUsd },
  { header: 'cumulative_human_hours', value: (r) => r.iteration.cumulativeCost?.humanHours },
  { header: 'cumulative_total_usd', value: (r) => r.iteration.cumulativeCost?.totalUsd },
];

const STATS = [
  'segmAP',
  'segmAP50',
  'humanHours',
  'trainImages',
  'approved',
  'rejected',
  'approvedCumulative',
  'approvalPrecision',
  'accepted',
] as const;
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/a_p/g, 'ap');

export const SUMMARY_COLUMNS: CsvColumn<SummaryRow>[] = [
  { header: 'group', value: (r) => r.group },
  { header: 'judge', value: (r) => r.judge },
  { header: 'fraction', value: (r) => r.fraction },
  { header: 'iteration', value: (r) => r.iteration },
  { header: 'n', value: (r) => r.n },
  { header: 'carried', value: (r) => r.carried },
  ...STATS.flatMap((s): CsvColumn<SummaryRow>[] => [
    { header: `${snake(s)}_mean`, value: (r) => r[s].mean },
    { header: `${snake(s)}_std`, value: (r) => r[s].std },
  ]),
];

/** The learning-curve series: one per judge x fraction (mean over seeds, std as error bars). */
export function curveSeries(summary: SummaryRow[]): {
  series: CurveSeries[];
  reference: { label: string; ap: number }[];
} {
  const groups = new Map<string, SummaryRow[]>();
  for (const row of summary)
    if (row.segmAP.mean !== null && row.humanHours.mean !== null)
      groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  const series = [...groups.values()].map((rows) => ({
    label:
      rows[0].kind === 'supervised'
        ? 'fully supervised'
        : rows[0].kind === 'control'
          ? `same compute, no new labels, from ${Math.round(rows[0].fraction * 100)}%`
          : `${rows[0].judge} from ${Math.round(rows[0].fraction * 100)}%`,
    points: rows.map((r) => ({
      hours: r.humanHours.mean!,
      ap: r.segmAP.mean!,
      iteration: r.iteration,
      hoursStd: r.humanHours.std ?? undefined,
      apStd: r.segmAP.std ?? undefined,
    })),
  }));
  const sup = groups.get('supervised')?.at(-1);
  const reference = sup ? [{ label: 'fully supervised', ap: sup.segmAP.mean! }] : [];
  return { series, reference };
}

async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

export interface OutputInput {
  outDir: string;
  config: ExperimentConfig;
  plan: Plan;
  results: RunResult[];
  command: string;
  trainImages?: number;
  /** Planned runs the service refused to create, with its answer. */
  refused?: { key: string; reason: string }[];
}

/** Every file of an experiment's results, rewritten whole from the runs each time (so always consistent). */
export async function writeOutputs(input: OutputInput): Promise<{ files: string[]; summary: SummaryRow[] }> {
  const { outDir, config, results } = input;
  const summary = summarize(results);
  const file = (name: string) => path.join(outDir, name);
  const { series, reference } = curveSeries(summary);
  const svg = learningCurveSvg(series, {
    title: `${config.name}: mask AP against human hours (mean ± std over seeds)`,
    reference,
  });
  const outputs: [string, string | Buffer][] = [
    ['results.json', `${JSON.stringify({ experiment: config.name, config, runs: results }, null, 2)}\n`],
    ['results.csv', toCsv(RESULT_COLUMNS, resultRows(results))],
    ['summary.json', `${JSON.stringify(summary, null, 2)}\n`],
    ['summary.csv', toCsv(SUMMARY_COLUMNS, summary)],
    ['learning-curve.svg', svg],
    ['learning-curve.png', await svgToPng(svg)],
    ['report.md', experimentReport({ ...input, summary, generatedAt: new Date() })],
  ];
  for (const [name, data] of outputs) await writeAtomic(file(name), data);
  return { files: outputs.map(([name]) => file(name)), summary };
}

import { fixed, meanStd } from '../text/table.ts';
import type { RunResult, Stat, SummaryRow } from './aggregate.ts';
import type { ExperimentConfig, JudgeSpec } from './config.ts';
import type { Plan } from './plan.ts';

export interface ReportInput {
  config: ExperimentConfig;
  plan: Plan;
  results: RunResult[];
  summary: SummaryRow[];
  /** The command line that made the results, shown so anyone can make them again. */
  command: string;
  /** Train-split images of the dataset, to say what share the loop labelled. */
  trainImages?: number;
  refused?: { key: string; reason: string }[];
  generatedAt?: Date;
}

/**
 * The expectation, checked against the numbers rather than asserted: issue #13's (90 % of the supervised
 * mAP at no more than 50 % of its hours), which replaced issue #6's 95 % once a pretrained start made the
 * no-loop model itself reach most of the supervised mAP.
 */
export const EXPECTATION = { apShare: 0.9, hoursShare: 0.5 };

const pct = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(digits)} %`;
const ratio = (a: Stat, b: Stat | undefined) => (a.mean !== null && b?.mean ? a.mean / b.mean : null);
const fractionText = (f: number) => `${Math.round(f * 100)} %`;

/** The last iteration of a group that has a value (its result when the loop ended). */
const finalRow = (rows: SummaryRow[]) => rows.filter((r) => r.segmAP.mean !== null).at(-1);

/**
 * report.md: the study's question answered from the measured numbers (nothing here is typed by hand),
 * then how the answer moves with the judge's error rates, the per-iteration means and what is missing.
 */
export function experimentReport(input: ReportInput): string {
  const { config, summary } = input;
  const groups = groupRows(summary);
  const supervised = finalRow(groups.get('supervised') ?? []);
  const judgeOf = new Map(config.judges.map((j) => [j.label, j]));
  const loops = [...groups.values()].filter((rows) => rows[0].kind === 'loop');
  const lines = [
    `# Experiment "${config.name}": can the loop replace full annotation?`,
    '',
    ...setup(input),
    '',
    '## The answer',
    '',
    ...answer(loops, supervised, judgeOf, config),
    ...controlVerdict(loops, groups, judgeOf),
    '',
    '## As the judge errs more',
    '',
    ...judgeTable(loops, supervised, judgeOf),
    '',
    '## Per iteration (mean ± std over seeds)',
    '',
    ...iterationTables([...groups.values()]),
    '',
    '## What the final models lack, per category (mask AP)',
    '',
    ...categoryTable(loops, supervised),
    '',
    '## Notes',
    '',
    ...notes(input),
  ];
  return `${lines.join('\n')}\n`;
}

function groupRows(summary: SummaryRow[]): Map<string, SummaryRow[]> {
  const groups = new Map<string, SummaryRow[]>();
  for (const row of summary) groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  for (const rows of groups.values()) rows.sort((a, b) => a.iteration - b.iteration);
  return groups;
}

function setup(input: ReportInput): string[] {
  const { config, results, plan } = input;
  const finished = results.filter((r) => r.status === 'succeeded').length;
  const d = config.dataset;
  return [
    `Made by \`${input.command}\`${input.generatedAt ? ` (${input.generatedAt.toISOString()})` : ''}.`,
    '',
    `- Dataset: the built-in synthetic shapes, ${d.images} images at ${d.size} px (seed ${d.seed}, ${d.difficulty ?? 'default (medium)'} difficulty)` +
      `${input.trainImages ? `, ${input.trainImages} in the train split` : ''}.`,
    `- Design: judges ${config.judges.map((j) => `\`${j.label}\``).join(', ')} x initial fractions ` +
      `${config.fractions.map(fractionText).join(', ')} x seeds ${config.seeds.join(', ')}, ${config.iterations} ` +
      `loop iteration(s) after iteration 0${config.baselines.supervised ? '; the fully supervised baseline (every train image labelled) per seed' : ''}` +
      `${config.baselines.sameCompute ? "; the same-compute-no-new-labels control (the initial labels, the loop's final training iterations) per fraction and seed" : ''}. ` +
      'The no-loop baseline is iteration 0 of each loop run: its initial labels alone.',
    `- Training, the same for every run: preset \`${config.training.preset}\`, hyper \`${JSON.stringify(config.training.hyper)}\`, warm start \`${config.training.warmStart}\`, iteration 0 from \`${config.training.init}\`${config.training.init === 'base' ? ' (the shipped base model, pretrained on disjoint shape classes)' : ''}.` +
      (new Set(plan.runs.filter((r) => r.kind === 'loop').map((r) => r.judge)).size > 1
        ? " Iteration 0 is trained once per initial fraction and seed and reused by the other judges' runs from the same labels (each run is still charged its full training cost)."
        : '') +
      config.judges
        .filter((j) => j.hyper)
        .map(
          (j) =>
            ` The loop runs of \`${j.label}\` also train with hyper \`${JSON.stringify(j.hyper)}\` (the baselines do not).`,
        )
        .join(''),
    `- Cost: ${costText(config)}; human hours are annotation plus review.`,
    `- Runs: ${results.length} of ${plan.runs.length} planned started, ${finished} succeeded.` +
      (plan.skipped.length
        ? ` Skipped: ${plan.skipped.map((s) => `\`${s.judge}\` (${s.reason})`).join('; ')}.`
        : ''),
  ];
}

function costText(config: ExperimentConfig): string {
  const c = config.cost ?? {};
  const annotation = (c.annotationSecondsPerImage as number | undefined) ?? 80;
  const review = (c.reviewSecondsPerImage as number | undefined) ?? 3;
  return `${annotation} s to annotate an image, ${review} s to review one (approved or rejected)`;
}

/** The oracle-judged loop from the fraction nearest 20 %: the study's own setting. */
function studySetting(loops: SummaryRow[][], judgeOf: Map<string, JudgeSpec>): SummaryRow[] | undefined {
  const oracle = loops.filter((rows) => judgeOf.get(rows[0].judge)?.kind === 'oracle');
  return oracle.sort((a, b) => Math.abs(a[0].fraction - 0.2) - Math.abs(b[0].fraction - 0.2))[0];
}

function answer(
  loops: SummaryRow[][],
  supervised: SummaryRow | undefined,
  judgeOf: Map<string, JudgeSpec>,
  config: ExperimentConfig,
): string[] {
  if (!supervised) return ['No fully supervised run has finished, so there is nothing to compare with yet.'];
  const out = [
    `Fully supervised: mask AP **${meanStd(supervised.segmAP.mean, supervised.segmAP.std)}** ` +
      `(AP50 ${meanStd(supervised.segmAP50.mean, supervised.segmAP50.std)}) for ` +
      `**${fixed(supervised.humanHours.mean, 2)} h** of annotation (${supervised.n} seed(s)).`,
  ];
  const rows = studySetting(loops, judgeOf);
  const last = rows && finalRow(rows);
  if (!rows || !last) return [...out, '', 'No oracle-judged loop run has been measured yet.'];
  const first = rows[0];
  const apShare = ratio(last.segmAP, supervised.segmAP);
  const hoursShare = ratio(last.humanHours, supervised.humanHours);
  out.push(
    '',
    `Starting from ${fractionText(first.fraction)} of the labels, the oracle-judged loop reaches mask AP ` +
      `**${meanStd(last.segmAP.mean, last.segmAP.std)}** after iteration ${last.iteration}: ` +
      `**${pct(apShare)} of the fully supervised mAP** at **${fixed(last.humanHours.mean, 2)} h, ` +
      `${pct(hoursShare)} of its annotation hours**. Without the loop (iteration 0, the initial labels alone) ` +
      `the model has ${meanStd(first.segmAP.mean, first.segmAP.std)} (${pct(ratio(first.segmAP, supervised.segmAP))} of it) ` +
      `for ${fixed(first.humanHours.mean, 2)} h.`,
    '',
    expectationVerdict(apShare, hoursShare),
  );
  if (apShare !== null && apShare < EXPECTATION.apShare)
    out.push('', ...shortfall(rows, last, supervised, config, judgeOf.get(last.judge)));
  return out;
}

/**
 * The loop against its same-compute-no-new-labels control (baselines.sameCompute): the part of the final mask
 * AP that the accepted labels, not the extra training, bought, set against the spread over seeds.
 */
function controlVerdict(
  loops: SummaryRow[][],
  groups: Map<string, SummaryRow[]>,
  judgeOf: Map<string, JudgeSpec>,
): string[] {
  const rows = studySetting(loops, judgeOf);
  const last = rows && finalRow(rows);
  const control = rows && finalRow(groups.get(`control/f${rows[0].fraction}`) ?? []);
  if (!last || !control || last.segmAP.mean === null || control.segmAP.mean === null) return [];
  const gain = last.segmAP.mean - control.segmAP.mean;
  const spread = Math.max(last.segmAP.std ?? 0, control.segmAP.std ?? 0);
  // A loss is judged by its size too: "less than the spread" must not hide a loop that is clearly worse.
  const beyond =
    control.n > 1 && last.n > 1
      ? Math.abs(gain) > spread
        ? gain > 0
          ? 'above it by more'
          : 'below it by more'
        : 'within it, less'
      : undefined;
  return [
    '',
    `Same compute, no new labels (the initial labels trained for the loop's final iterations): mask AP ` +
      `${meanStd(control.segmAP.mean, control.segmAP.std)} (${control.n} seed(s)); the loop's final model is ` +
      `${gain >= 0 ? '+' : ''}${fixed(gain, 3)} from it` +
      (beyond
        ? `: ${beyond} than the seed-to-seed spread (${fixed(spread, 3)}, the larger std of the two).`
        : '; one seed: the spread over seeds is not measured.'),
  ];
}

function expectationVerdict(apShare: number | null, hoursShare: number | null): string {
  const want = `at least ${pct(EXPECTATION.apShare)} of the fully supervised mAP at no more than ${pct(EXPECTATION.hoursShare)} of its hours`;
  if (apShare === null || hoursShare === null) return `The expectation (${want}) cannot be checked yet.`;
  const met = apShare >= EXPECTATION.apShare && hoursShare <= EXPECTATION.hoursShare;
  return met
    ? `The expectation (${want}) **is met** on these numbers, within the spread over seeds shown above.`
    : `The expectation (${want}) **is not met**: ${pct(apShare, 1)} of the mAP at ${pct(hoursShare, 1)} of the hours.`;
}

/** Why the loop falls short, from what was measured: what the judge let in, and what was left out. */
function shortfall(
  rows: SummaryRow[],
  last: SummaryRow,
  supervised: SummaryRow,
  config: ExperimentConfig,
  judge: JudgeSpec | undefined,
): string[] {
  const approvedTotal = last.approvedCumulative.mean ?? 0;
  const loopRows = rows.slice(1).filter((r) => r.iteration <= last.iteration);
  const reviewed = loopRows.reduce((a, r) => a + (r.approved.mean ?? 0) + (r.rejected.mean ?? 0), 0);
  const gaveLabels = loopRows.reduce((a, r) => a + (r.accepted.mean ?? 0), 0);
  const precision = rows.map((r) => r.approvalPrecision.mean).filter((v): v is number => v !== null);
  const gaps = categoryGaps(last, supervised).slice(0, 3);
  const perInstance = judge?.acceptance === 'instance';
  const data =
    `- Training data: the last model learned from ${fixed(last.trainImages.mean, 0)} images against ` +
    `${fixed(supervised.trainImages.mean, 0)} for the supervised one; over ${config.iterations} iteration(s) the judge ` +
    `approved ${fixed(approvedTotal, 1)} of ${fixed(reviewed, 1)} reviewed images whole (mean per seed)` +
    (perInstance
      ? `, and ${fixed(gaveLabels, 1)} gave labels counting the images accepted in part (per-instance acceptance: a rejected image's approved masks become labels, its rejected ones regions that training ignores).`
      : ', so the rest of the pool stayed unlabelled.');
  const rule = perInstance
    ? 'a mask is accepted only when the judge approves it, so the accepted masks are the ones the model already segments well'
    : 'an image is approved only when every drawn prediction is right, so the approved images are the ones the model already segments well';
  return [
    'Why it falls short, from the same runs:',
    '',
    data,
    precision.length
      ? `- Label quality: of the approved images, ${pct(Math.min(...precision))}-${pct(Math.max(...precision))} were approvals the oracle agrees with per iteration; the accepted labels carry the model's own masks, not ground truth, and ${rule}.`
      : "- Label quality: the accepted labels carry the model's own masks, not ground truth.",
    gaps.length
      ? `- Largest per-category gaps to the supervised model: ${gaps.map((g) => `${g.name} ${fixed(g.loop, 3)} vs ${fixed(g.supervised, 3)}`).join(', ')}.`
      : '- No per-category metrics were recorded.',
  ];
}

function categoryGaps(row: SummaryRow, supervised: SummaryRow) {
  return Object.entries(supervised.perCategoryAP)
    .map(([name, sup]) => ({ name, supervised: sup, loop: row.perCategoryAP[name] ?? null }))
    .filter((g) => g.supervised !== null && g.loop !== null)
    .sort((a, b) => b.supervised! - b.loop! - (a.supervised! - a.loop!));
}

function judgeRank(j: JudgeSpec | undefined): number {
  if (!j) return 9;
  if (j.kind === 'oracle') return 0;
  if (j.kind === 'simulated')
    return (
      1 + Math.min(0.99, ((j.options.falseApproveRate as number) + (j.options.falseRejectRate as number)) / 2)
    );
  return j.kind === 'vlm' ? 3 : 4;
}

function judgeTable(
  loops: SummaryRow[][],
  supervised: SummaryRow | undefined,
  judgeOf: Map<string, JudgeSpec>,
): string[] {
  const sorted = [...loops].sort(
    (a, b) =>
      a[0].fraction - b[0].fraction ||
      judgeRank(judgeOf.get(a[0].judge)) - judgeRank(judgeOf.get(b[0].judge)),
  );
  const rate = (j: JudgeSpec | undefined, k: string) =>
    j?.kind === 'simulated'
      ? fixed(j.options[k] as number, 2)
      : j?.kind === 'oracle'
        ? '0'
        : j?.kind === 'accept-all'
          ? 'no judge'
          : '?';
  const out = [
    "The final iteration of each loop, against the fully supervised baseline. False approvals put the model's wrong masks into the labels; false rejections leave good images unlabelled.",
    '',
    '| judge | from | false approve | false reject | final iteration | mask AP | of supervised | human h | of supervised h | approved images | approval precision |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const rows of sorted) {
    const last = finalRow(rows);
    if (!last) continue;
    const j = judgeOf.get(last.judge);
    out.push(
      `| ${last.judge} | ${fractionText(last.fraction)} | ${rate(j, 'falseApproveRate')} | ${rate(j, 'falseRejectRate')} | ${last.iteration} | ` +
        `${meanStd(last.segmAP.mean, last.segmAP.std)} | ${pct(ratio(last.segmAP, supervised?.segmAP))} | ` +
        `${meanStd(last.humanHours.mean, last.humanHours.std, 2)} | ${pct(ratio(last.humanHours, supervised?.humanHours))} | ` +
        `${fixed(last.approvedCumulative.mean, 1)} | ${pct(mean(rows.map((r) => r.approvalPrecision.mean)))} |`,
    );
  }
  return out;
}

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function iterationTables(groups: SummaryRow[][]): string[] {
  const out = [
    '| run | iteration | seeds (carried) | train images | approved | gave labels | rejected | mask AP | AP50 | cumulative human h |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const rows of groups)
    for (const r of rows)
      out.push(
        `| ${r.group} | ${r.iteration} | ${r.n}${r.carried ? ` (${r.carried})` : ''} | ${fixed(r.trainImages.mean, 1)} | ` +
          `${r.iteration === 0 ? '-' : fixed(r.approved.mean, 1)} | ${r.iteration === 0 ? '-' : fixed(r.accepted.mean, 1)} | ${r.iteration === 0 ? '-' : fixed(r.rejected.mean, 1)} | ${meanStd(r.segmAP.mean, r.segmAP.std)} | ` +
          `${meanStd(r.segmAP50.mean, r.segmAP50.std)} | ${meanStd(r.humanHours.mean, r.humanHours.std, 2)} |`,
      );
  return out;
}

function categoryTable(loops: SummaryRow[][], supervised: SummaryRow | undefined): string[] {
  const finals = [
    ...(supervised ? [supervised] : []),
    ...loops.map(finalRow).filter((r): r is SummaryRow => !!r),
  ];
  const names = [...new Set(finals.flatMap((r) => Object.keys(r.perCategoryAP)))].sort();
  if (names.length === 0) return ['No per-category metrics were recorded.'];
  return [
    `| run | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} |`,
    ...finals.map(
      (r) =>
        `| ${r.group} (iteration ${r.iteration}) | ${names.map((n) => fixed(r.perCategoryAP[n])).join(' | ')} |`,
    ),
  ];
}

function notes(input: ReportInput): string[] {
  const unfinished = input.results.filter((r) => r.status !== 'succeeded');
  const out = [
    "- ± is the sample standard deviation over seeds (n - 1); one seed shows none. Each seed draws the initial labels, the training seed and the simulated judges' mistakes.",
    '- A run that stopped before its last iteration (too few approvals, plateau, budget, empty pool) keeps its last model and hours for the later iterations: "carried" counts those runs.',
    '- Human hours count review of every judged image, rejected ones too, which the study did not; `accept-all` costs no review.',
    '- Files: `results.json` (every run and iteration), `results.csv`, `summary.csv`/`summary.json`, `learning-curve.svg`/`.png`.',
  ];
  for (const r of input.refused ?? [])
    out.push(`- \`${r.key}\` was refused by the service: ${r.reason.replace(/\s+/g, ' ')}`);
  if (unfinished.length)
    out.push(
      `- Not succeeded (left out past what they measured): ${unfinished.map((r) => `\`${r.key}\` ${r.status}${r.stopReason ? ` (${r.stopReason})` : ''}`).join(', ')}.`,
    );
  return out;
}

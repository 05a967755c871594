import type { InstanceVerdictValue, Verdict } from './types.ts';

export interface AgreementItem {
  imageId: number;
  judge: Verdict;
  oracle: Verdict;
  /** The drawn list (overlay numbering) of this image, to attribute instance verdicts to classes. */
  drawn: readonly { index: number; categoryName: string }[];
}

/** Judge rows x oracle columns. */
export interface ImageConfusion {
  bothApprove: number;
  judgeApproveOracleReject: number;
  judgeRejectOracleApprove: number;
  bothReject: number;
}

export interface ClassAgreement {
  /** Instances of this class that both judged. */
  instances: number;
  agreed: number;
  agreement: number | null;
  kappa: number | null;
  /** confusion[judgeVerdict][oracleVerdict] */
  confusion: Record<InstanceVerdictValue, Record<InstanceVerdictValue, number>>;
}

export interface AgreementReport {
  images: number;
  /** Images where both gave approve or reject: the denominator of everything below. */
  compared: number;
  confusion: ImageConfusion;
  judgeAbstained: number;
  judgeErrors: number;
  /** Oracle could not judge (no ground truth, bad input): left out. */
  oracleUnavailable: number;
  accuracy: number | null;
  /** Of the judge's approvals, the share the oracle approves: how clean its labels are. */
  approvalPrecision: number | null;
  /** Of the oracle's approvals, the share the judge approves: how much good work it keeps. */
  approvalRecall: number | null;
  kappa: number | null;
  perClass: Record<string, ClassAgreement>;
}

const INSTANCE_VALUES: readonly InstanceVerdictValue[] = [
  'correct',
  'wrong_class',
  'bad_mask',
  'not_an_object',
];

/** How far a judge agrees with the oracle, per image and per instance class. */
export function agreement(items: readonly AgreementItem[]): AgreementReport {
  const confusion: ImageConfusion = {
    bothApprove: 0,
    judgeApproveOracleReject: 0,
    judgeRejectOracleApprove: 0,
    bothReject: 0,
  };
  const counts = { judgeAbstained: 0, judgeErrors: 0, oracleUnavailable: 0 };
  const perClass: Record<string, ClassAgreement> = {};
  for (const item of items) {
    tallyInstances(item, perClass);
    const o = item.oracle.verdict;
    const j = item.judge.verdict;
    if (o !== 'approve' && o !== 'reject') counts.oracleUnavailable++;
    else if (j === 'abstain') counts.judgeAbstained++;
    else if (j === 'error') counts.judgeErrors++;
    else if (j === 'approve') confusion[o === 'approve' ? 'bothApprove' : 'judgeApproveOracleReject']++;
    else confusion[o === 'approve' ? 'judgeRejectOracleApprove' : 'bothReject']++;
  }
  for (const stats of Object.values(perClass)) finishClass(stats);
  return { images: items.length, ...summarise(confusion), ...counts, confusion, perClass };
}

function summarise(c: ImageConfusion) {
  const compared = c.bothApprove + c.judgeApproveOracleReject + c.judgeRejectOracleApprove + c.bothReject;
  return {
    compared,
    accuracy: ratio(c.bothApprove + c.bothReject, compared),
    approvalPrecision: ratio(c.bothApprove, c.bothApprove + c.judgeApproveOracleReject),
    approvalRecall: ratio(c.bothApprove, c.bothApprove + c.judgeRejectOracleApprove),
    kappa: cohensKappa([
      [c.bothApprove, c.judgeApproveOracleReject],
      [c.judgeRejectOracleApprove, c.bothReject],
    ]),
  };
}

function tallyInstances(item: AgreementItem, perClass: Record<string, ClassAgreement>): void {
  const oracleByIndex = new Map(item.oracle.instances.map((v) => [v.index, v.verdict]));
  const classByIndex = new Map(item.drawn.map((d) => [d.index, d.categoryName]));
  for (const judged of item.judge.instances) {
    const truth = oracleByIndex.get(judged.index);
    const name = classByIndex.get(judged.index);
    if (truth === undefined || name === undefined) continue;
    perClass[name] ??= emptyClass();
    perClass[name].instances++;
    perClass[name].confusion[judged.verdict][truth]++;
    if (judged.verdict === truth) perClass[name].agreed++;
  }
}

function emptyClass(): ClassAgreement {
  const row = () =>
    Object.fromEntries(INSTANCE_VALUES.map((v) => [v, 0])) as Record<InstanceVerdictValue, number>;
  const confusion = Object.fromEntries(INSTANCE_VALUES.map((v) => [v, row()]));
  return { instances: 0, agreed: 0, agreement: null, kappa: null, confusion } as ClassAgreement;
}

function finishClass(stats: ClassAgreement): void {
  stats.agreement = ratio(stats.agreed, stats.instances);
  stats.kappa = cohensKappa(INSTANCE_VALUES.map((j) => INSTANCE_VALUES.map((o) => stats.confusion[j][o])));
}

/**
 * Cohen's kappa of a square confusion matrix (rows: one rater, columns: the other);
 * null when undefined (no items, or chance agreement is already total).
 */
export function cohensKappa(matrix: readonly (readonly number[])[]): number | null {
  const n = matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  if (n === 0) return null;
  const observed = matrix.reduce((sum, row, i) => sum + row[i], 0) / n;
  const expected = matrix.reduce((sum, row, i) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    const colTotal = matrix.reduce((a, r) => a + r[i], 0);
    return sum + (rowTotal * colTotal) / (n * n);
  }, 0);
  return expected >= 1 ? null : (observed - expected) / (1 - expected);
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

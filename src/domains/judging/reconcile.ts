import type { SelectedInstance } from '../../overlay/select-instances.ts';
import type { ModelAnswer } from './model-answer.ts';
import type { Category, ImageVerdictValue, InstanceVerdict } from './types.ts';

export interface Reconciled {
  verdict: Extract<ImageVerdictValue, 'approve' | 'reject' | 'abstain'>;
  instances: InstanceVerdict[];
  missedObjects: number;
  reason: string;
}

/**
 * Turns the model's answer into our verdict. Approve only when the model approves AND judged every
 * drawn instance correct AND reported nothing missed; every other combination is resolved
 * conservatively and the resolution is written into the reason.
 */
export function reconcile(
  answer: ModelAnswer,
  selected: readonly SelectedInstance[],
  categories: readonly Category[],
): Reconciled {
  const notes: string[] = [];
  const instances = instanceVerdicts(answer, selected, notes);
  const missedObjects = countMissed(answer, categories, notes);
  const unjudged = selected
    .filter((s) => !instances.some((v) => v.index === s.index))
    .map((s) => `#${s.index}`);
  const flagged = instances.filter((v) => v.verdict !== 'correct').map((v) => `#${v.index} ${v.verdict}`);
  const verdict = decide(answer.image_verdict, flagged, missedObjects, unjudged, notes);
  return {
    verdict,
    instances,
    missedObjects,
    reason: [answer.reason.trim(), ...notes].filter(Boolean).join(' '),
  };
}

function decide(
  modelVerdict: ModelAnswer['image_verdict'],
  flagged: string[],
  missed: number,
  unjudged: string[],
  notes: string[],
): Reconciled['verdict'] {
  const defects = [...flagged, ...(missed > 0 ? [`${missed} missed object(s)`] : [])];
  if (modelVerdict === 'reject') {
    if (defects.length === 0)
      notes.push('[The model rejected although it judged every instance correct; kept as reject.]');
    return 'reject';
  }
  if (defects.length > 0) {
    notes.push(`[The model approved the image but reported ${defects.join(', ')}; rejected.]`);
    return 'reject';
  }
  if (unjudged.length > 0) {
    notes.push(
      `[The model approved without judging ${unjudged.join(', ')}; abstained rather than approve unseen masks.]`,
    );
    return 'abstain';
  }
  return 'approve';
}

/** One verdict per drawn index; duplicates keep the worst, verdicts for undrawn numbers are dropped. */
function instanceVerdicts(answer: ModelAnswer, selected: readonly SelectedInstance[], notes: string[]) {
  const drawn = new Set(selected.map((s) => s.index));
  const byIndex = new Map<number, InstanceVerdict>();
  const strays: number[] = [];
  for (const item of answer.instances) {
    if (!drawn.has(item.index)) {
      strays.push(item.index);
      continue;
    }
    const verdict: InstanceVerdict = { index: item.index, verdict: item.verdict };
    if (item.note.trim()) verdict.note = item.note.trim();
    const previous = byIndex.get(item.index);
    if (previous && previous.verdict !== item.verdict) {
      notes.push(`[Conflicting verdicts for #${item.index}; kept the unfavourable one.]`);
    }
    if (!previous || previous.verdict === 'correct') byIndex.set(item.index, verdict);
  }
  if (strays.length > 0)
    notes.push(`[Ignored verdicts for instance numbers not drawn: ${strays.join(', ')}.]`);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** Missed objects of the project's classes; others are outside the dataset and do not count. */
function countMissed(answer: ModelAnswer, categories: readonly Category[], notes: string[]): number {
  if (categories.length === 0) return answer.missed_objects.length;
  const known = new Set(categories.map((c) => c.name.toLowerCase()));
  const outside = answer.missed_objects.filter((m) => !known.has(m.category.trim().toLowerCase()));
  if (outside.length > 0) {
    notes.push(
      `[Ignored missed objects outside the project's classes: ${outside.map((m) => m.category).join(', ')}.]`,
    );
  }
  return answer.missed_objects.length - outside.length;
}

import type { Instance } from './instance.ts';

export interface SelectedInstance {
  /** 1-based number drawn on the overlay and used in the prompt and the verdict. */
  index: number;
  /** Position in the caller's instance array, to map a verdict back to its prediction. */
  sourceIndex: number;
  instance: Instance;
}

/**
 * The one list both the overlay and the prompt are built from, so that what the model
 * sees and what it is told can never disagree (the study drew >= 0.5 but listed > 0.99).
 * Input order is kept so numbering is predictable: with threshold 0, index = position + 1.
 */
export function selectInstances(instances: readonly Instance[], threshold: number): SelectedInstance[] {
  const selected: SelectedInstance[] = [];
  instances.forEach((instance, sourceIndex) => {
    if (instance.score >= threshold) selected.push({ index: selected.length + 1, sourceIndex, instance });
  });
  return selected;
}

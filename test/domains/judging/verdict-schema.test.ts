import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { OracleJudge } from '../../../src/domains/judging/oracle-judge.ts';
import { SimulatedJudge } from '../../../src/domains/judging/simulated-judge.ts';
import type { JudgeInput } from '../../../src/domains/judging/types.ts';
import { rectInstance, rectTruth } from './fixtures.ts';

const schema = JSON.parse(
  await readFile(new URL('../../../schema/verdict.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const input: JudgeInput = {
  imageId: 3,
  image: Buffer.alloc(0),
  width: 10,
  height: 10,
  instances: [rectInstance(10, 10, { rect: [0, 0, 5, 5] })],
  groundTruth: [rectTruth(10, 10, [0, 0, 5, 5]), rectTruth(10, 10, [6, 6, 9, 9])],
};

describe('schema/verdict.schema.json', () => {
  it('accepts the verdicts of the oracle and simulated judges, errors included', async () => {
    const judges = [
      new OracleJudge(),
      new SimulatedJudge({ falseApproveRate: 0.5, falseRejectRate: 0.5, seed: 1 }),
    ];
    for (const judge of judges) {
      for (const value of [input, { ...input, groundTruth: undefined }]) {
        const verdict = await judge.judge(value);
        expect(validate(verdict), JSON.stringify(validate.errors)).toBe(true);
      }
    }
  });

  it('requires an error object exactly on error verdicts', () => {
    const base = {
      instances: [],
      reason: '',
      judge: { kind: 'vlm', config: {} },
      latencyMs: 1,
      reviewSeconds: 0,
    };
    expect(validate({ ...base, verdict: 'error' })).toBe(false);
    expect(
      validate({ ...base, verdict: 'reject', error: { code: 'x', message: 'y', retryable: true } }),
    ).toBe(false);
    expect(validate({ ...base, verdict: 'error', error: { code: 'x', message: 'y', retryable: true } })).toBe(
      true,
    );
  });
});

import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptTemplate, type PromptTemplate } from '../../../src/domains/judging/prompt.ts';
import type { JudgeInput, Verdict } from '../../../src/domains/judging/types.ts';
import { VlmJudge, type VlmJudgeOptions } from '../../../src/domains/judging/vlm-judge.ts';
import {
  type FakeOpenAiServer,
  imageUrls,
  promptedInstances,
  startFakeOpenAiServer,
  userText,
} from '../../helpers/fake-openai-server.ts';
import { rectInstance, solidPng } from './fixtures.ts';

const W = 64;
const H = 48;
const categories = [
  { id: 1, name: 'book' },
  { id: 2, name: 'bird' },
];

let server: FakeOpenAiServer;
let prompt: PromptTemplate;
let input: JudgeInput;
const validateVerdict = new Ajv2020({ allErrors: true, strict: true }).compile(
  JSON.parse(await readFile(new URL('../../../schema/verdict.schema.json', import.meta.url), 'utf8')),
);

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  prompt = await loadPromptTemplate();
  input = {
    imageId: 7,
    image: await solidPng(W, H, [90, 120, 150]),
    width: W,
    height: H,
    instances: [
      rectInstance(W, H, { rect: [4, 4, 20, 20], categoryName: 'book', score: 0.95 }),
      rectInstance(W, H, { rect: [30, 10, 50, 30], categoryId: 2, categoryName: 'bird', score: 0.7 }),
    ],
  };
});

afterAll(() => server.close());

afterEach(() => {
  server.requests.length = 0;
  server.options = {};
});

/** A judge whose waits are recorded instead of slept, with jitter pinned to its maximum delay. */
function makeJudge(overrides: Partial<VlmJudgeOptions> = {}) {
  const waits: number[] = [];
  const judge = new VlmJudge({
    baseURL: server.url,
    apiKey: 'test-key',
    model: 'fake-vlm',
    categories,
    prompt,
    timeoutMs: 2_000,
    backoff: { baseMs: 100, maxMs: 1_000, jitter: 0.5 },
    random: () => 0,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
  return { judge, waits };
}

function expectValid(verdict: Verdict): void {
  expect(validateVerdict(verdict), JSON.stringify(validateVerdict.errors)).toBe(true);
}

describe('VlmJudge with a well-formed structured answer', () => {
  it('approves, and asks for structured output and logprobs with the overlay as a PNG data URL', async () => {
    server.enqueue({ type: 'verdict', verdictProbability: 0.97 });
    const { judge } = makeJudge();
    const verdict = await judge.judge(input);
    expect(verdict.verdict).toBe('approve');
    expect(verdict.instances.map((v) => [v.index, v.verdict])).toEqual([
      [1, 'correct'],
      [2, 'correct'],
    ]);
    expect(verdict.missedObjects).toBe(0);
    expect(verdict.confidence).toBeCloseTo(0.97, 6);
    expect(verdict.judge).toMatchObject({ kind: 'vlm', model: 'fake-vlm', promptVersion: 'judge-v1' });
    expect(verdict).toMatchObject({
      attempts: 1,
      reviewSeconds: 0,
      tokens: { prompt: 1200, completion: 80 },
    });
    expectValid(verdict);

    const [request] = server.completionRequests();
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(request.body.logprobs).toBe(true);
    expect(request.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { strict: true },
    });
    const schema = request.body.response_format.json_schema.schema;
    expect(schema.properties.instances.items.properties.index.enum).toEqual([1, 2]);
    const urls = imageUrls(request);
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/^data:image\/png;base64,/);
    expect(Buffer.from(urls[0].split(',')[1], 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('lists in the prompt exactly the instances it draws, and the project classes', async () => {
    server.enqueue({ type: 'verdict' });
    const { judge } = makeJudge({ scoreThreshold: 0.8 });
    const verdict = await judge.judge(input);
    const [request] = server.completionRequests();
    expect(promptedInstances(request)).toEqual([{ index: 1, categoryName: 'book' }]);
    expect(userText(request)).toContain('book, bird');
    expect(
      request.body.response_format.json_schema.schema.properties.instances.items.properties.index.enum,
    ).toEqual([1]);
    expect(verdict.instances.map((v) => v.index)).toEqual([1]);
  });

  it('sends the raw photo as a second image when asked', async () => {
    server.enqueue({ type: 'verdict' });
    const { judge } = makeJudge({ includeRawImage: true });
    await judge.judge(input);
    const urls = imageUrls(server.completionRequests()[0]);
    expect(urls).toHaveLength(2);
    expect(urls[1]).toBe(`data:image/png;base64,${input.image.toString('base64')}`);
  });

  it('records the latency of a slow server', async () => {
    server.enqueue({ type: 'verdict', latencyMs: 150 });
    const { judge } = makeJudge();
    const verdict = await judge.judge(input);
    expect(verdict.verdict).toBe('approve');
    expect(verdict.latencyMs).toBeGreaterThanOrEqual(140);
  });
});

describe('VlmJudge reconciling answers', () => {
  it('rejects when the model approves but flags an instance', async () => {
    server.enqueue({
      type: 'verdict',
      answer: {
        instances: [
          { index: 1, verdict: 'correct', note: '' },
          { index: 2, verdict: 'bad_mask', note: 'cuts off the wing' },
        ],
        image_verdict: 'approve',
      },
    });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict.verdict).toBe('reject');
    expect(verdict.instances[1]).toEqual({ index: 2, verdict: 'bad_mask', note: 'cuts off the wing' });
    expect(verdict.reason).toMatch(/approved the image but reported #2 bad_mask; rejected/);
  });

  it('rejects when the model approves but reports a missed object', async () => {
    server.enqueue({
      type: 'verdict',
      answer: { missed_objects: [{ category: 'bird', note: 'top right' }], image_verdict: 'approve' },
    });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'reject', missedObjects: 1 });
  });

  it('abstains when the model approves without judging every drawn instance', async () => {
    server.enqueue({ type: 'verdict', answer: { instances: [{ index: 1, verdict: 'correct', note: '' }] } });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict.verdict).toBe('abstain');
    expect(verdict.reason).toMatch(/without judging #2/);
  });

  it('abstains when the image verdict is less probable than the threshold', async () => {
    server.enqueue({ type: 'verdict', verdictProbability: 0.55 });
    const verdict = await makeJudge({ minConfidence: 0.8 }).judge.judge(input);
    expect(verdict.verdict).toBe('abstain');
    expect(verdict.confidence).toBeCloseTo(0.55, 6);
    expect(verdict.reason).toMatch(/probability 0\.550 < 0\.8; would have been approve/);
  });

  it('decides without a confidence when the server returns no logprobs', async () => {
    server.enqueue({ type: 'verdict', logprobs: false });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict.verdict).toBe('approve');
    expect(verdict.confidence).toBeUndefined();
  });
});

describe('VlmJudge with unusable answers', () => {
  it('records malformed JSON as an unparseable error, never a rejection', async () => {
    server.enqueue({ type: 'text', content: '{"instances": [{"index": 1, "verdict": "correct"' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'unparseable', retryable: false } });
    expectValid(verdict);
  });

  it('does not read "yes" in prose as an approval', async () => {
    server.enqueue({ type: 'text', content: 'Yes, the masks look accurate and the classes are right.' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'unparseable' } });
  });

  it('reads the one JSON object out of prose and a code fence', async () => {
    const answer = {
      instances: [
        { index: 1, verdict: 'correct', note: '' },
        { index: 2, verdict: 'wrong_class', note: 'a book' },
      ],
      missed_objects: [],
      reason: 'The second mask is a book.',
      image_verdict: 'reject',
    };
    server.enqueue({ type: 'text', content: `Here you go:\n\`\`\`json\n${JSON.stringify(answer)}\n\`\`\`` });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict.verdict).toBe('reject');
    expect(verdict.instances[1].verdict).toBe('wrong_class');
  });

  it('refuses an answer with a JSON object that does not match the schema', async () => {
    server.enqueue({ type: 'text', content: '{"image_verdict": "yes"}' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict.error?.code).toBe('unparseable');
    expect(verdict.error?.message).toMatch(/schema/);
  });

  it('records a refusal as an error', async () => {
    server.enqueue({ type: 'refusal', refusal: 'I cannot help with that.' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'refused', retryable: false } });
  });
});

describe('VlmJudge transport failures', () => {
  it('waits exactly Retry-After seconds after a 429, then succeeds', async () => {
    server.enqueue({ type: 'status', status: 429, retryAfter: '2' }, { type: 'verdict' });
    const { judge, waits } = makeJudge();
    const verdict = await judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'approve', attempts: 2 });
    expect(waits).toEqual([2000]);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const when = new Date(Date.now() + 5_000).toUTCString();
    server.enqueue({ type: 'status', status: 429, retryAfter: when }, { type: 'verdict' });
    const { judge, waits } = makeJudge();
    expect((await judge.judge(input)).verdict).toBe('approve');
    expect(waits[0]).toBeGreaterThan(3_000);
    expect(waits[0]).toBeLessThanOrEqual(5_000);
  });

  it('backs off exponentially with jitter on 5xx', async () => {
    server.enqueue({ type: 'status', status: 500 }, { type: 'status', status: 503 }, { type: 'verdict' });
    const maxDelays = makeJudge({ random: () => 0 });
    expect((await maxDelays.judge.judge(input)).attempts).toBe(3);
    expect(maxDelays.waits).toEqual([100, 200]);
    server.enqueue({ type: 'status', status: 500 }, { type: 'status', status: 502 }, { type: 'verdict' });
    const jittered = makeJudge({ random: () => 1 });
    await jittered.judge.judge(input);
    expect(jittered.waits).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with a retryable error, never a rejection', async () => {
    server.options = { defaultBehaviour: { type: 'status', status: 500 } };
    const { judge, waits } = makeJudge({ maxAttempts: 3 });
    const verdict = await judge.judge(input);
    expect(verdict).toMatchObject({
      verdict: 'error',
      attempts: 3,
      error: { code: 'server_error', retryable: true },
    });
    expect(waits).toHaveLength(2);
    expectValid(verdict);
  });

  it('gives up at once when Retry-After exceeds the limit, leaving the retry to the caller', async () => {
    server.enqueue({ type: 'status', status: 429, retryAfter: '3600' });
    const { judge, waits } = makeJudge({ maxRetryAfterMs: 60_000 });
    const verdict = await judge.judge(input);
    expect(verdict).toMatchObject({
      verdict: 'error',
      attempts: 1,
      error: { code: 'rate_limited', retryable: true },
    });
    expect(waits).toEqual([]);
  });

  it('does not retry a 401', async () => {
    server.enqueue({ type: 'status', status: 401, message: 'bad key' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({
      verdict: 'error',
      attempts: 1,
      error: { code: 'http_401', retryable: false },
    });
  });

  it('times out a hanging request and retries it', async () => {
    server.enqueue({ type: 'hang' }, { type: 'verdict' });
    const { judge, waits } = makeJudge({ timeoutMs: 300 });
    const verdict = await judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'approve', attempts: 2 });
    expect(verdict.latencyMs).toBeGreaterThanOrEqual(290);
    expect(waits).toHaveLength(1);
  });

  it('reports a timeout as a retryable error when every attempt hangs', async () => {
    server.options = { defaultBehaviour: { type: 'hang' } };
    const verdict = await makeJudge({ timeoutMs: 150, maxAttempts: 2 }).judge.judge(input);
    expect(verdict).toMatchObject({
      verdict: 'error',
      attempts: 2,
      error: { code: 'timeout', retryable: true },
    });
  });

  it('retries a response body that is not JSON', async () => {
    server.enqueue({ type: 'body', body: '{"choices": [' }, { type: 'verdict' });
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'approve', attempts: 2 });
  });

  it('stops when the caller aborts, with a retryable error', async () => {
    server.enqueue({ type: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const verdict = await makeJudge({ timeoutMs: 5_000 }).judge.judge(input, controller.signal);
    expect(verdict).toMatchObject({ verdict: 'error', error: { code: 'aborted', retryable: true } });
  });
});

describe('VlmJudge on servers without structured output or logprobs', () => {
  it('falls back to strict parsing after a 400 about response_format, and remembers', async () => {
    server.options = { rejectResponseFormat: true };
    const { judge, waits } = makeJudge();
    const first = await judge.judge(input);
    expect(first).toMatchObject({ verdict: 'approve', attempts: 2 });
    expect(first.judge.config.structuredOutput).toBe(false);
    expect(waits).toEqual([]);
    const second = await judge.judge(input);
    expect(second.attempts).toBe(1);
    const sent = server.completionRequests().map((r) => r.body.response_format !== undefined);
    expect(sent).toEqual([true, false, false]);
  });

  it('drops logprobs after a 400 about them', async () => {
    server.options = { rejectLogprobs: true };
    const verdict = await makeJudge().judge.judge(input);
    expect(verdict).toMatchObject({ verdict: 'approve', attempts: 2 });
    expect(verdict.confidence).toBeUndefined();
  });
});

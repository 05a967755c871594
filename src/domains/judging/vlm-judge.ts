import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionContentPart,
  ChatCompletionCreateParamsNonStreaming,
} from 'openai/resources/chat/completions';
import {
  type Overlay,
  type OverlayRequest,
  type OverlayStyle,
  renderOverlay,
} from '../../overlay/overlay.ts';
import { type SelectedInstance, selectInstances } from '../../overlay/select-instances.ts';
import { valueConfidence } from './logprob-confidence.ts';
import { answerSchema, parseModelAnswer } from './model-answer.ts';
import { type PromptTemplate, renderPrompt } from './prompt.ts';
import { reconcile } from './reconcile.ts';
import { classifyFailure, type FailureClass } from './request-errors.ts';
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep } from './retry.ts';
import type { Category, Judge, JudgeInput, Verdict, VerdictError } from './types.ts';

export interface VlmJudgeOptions {
  baseURL: string;
  apiKey: string;
  model: string;
  /** The project's classes, listed in the prompt so the model can name what is missing. */
  categories: readonly Category[];
  prompt: PromptTemplate;
  /** The ONE score threshold; inputs arrive filtered by it, so 0 draws and lists all of them. */
  scoreThreshold?: number;
  /** Also send the photo without drawings, so masks do not hide detail. */
  includeRawImage?: boolean;
  imageDetail?: 'auto' | 'low' | 'high';
  /** Per attempt. */
  timeoutMs?: number;
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** A server asking to wait longer than this ends the attempts; the caller retries the image later. */
  maxRetryAfterMs?: number;
  /** Below this probability of its image-verdict token, the verdict becomes 'abstain'. 0 disables. */
  minConfidence?: number;
  logprobs?: boolean;
  /** Start with structured output; falls back to strict text parsing if the server rejects it. */
  structuredOutput?: boolean;
  temperature?: number;
  maxTokens?: number;
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /** Human seconds charged per verdict: none, a machine judged. */
  reviewSecondsPerImage?: number;
  overlayStyle?: Partial<OverlayStyle>;
  /** Injected for tests and callers that share one client. */
  client?: OpenAI;
  /** Injected to reuse overlays already rendered (a cache, a worker pool); renderOverlay by default. */
  overlayRenderer?: (request: OverlayRequest) => Promise<Overlay>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

type Settings = Required<Omit<VlmJudgeOptions, 'client' | 'backoff' | 'overlayStyle' | 'apiKey'>> & {
  backoff: BackoffOptions;
  overlayStyle: Partial<OverlayStyle>;
};

const DEFAULTS = {
  scoreThreshold: 0,
  includeRawImage: false,
  imageDetail: 'high',
  timeoutMs: 60_000,
  maxAttempts: 4,
  maxRetryAfterMs: 120_000,
  minConfidence: 0.8,
  logprobs: true,
  structuredOutput: true,
  temperature: 0,
  maxTokens: 1024,
  maxTokensParam: 'max_tokens',
  reviewSecondsPerImage: 0,
} as const;

interface Prepared {
  selected: SelectedInstance[];
  system: string;
  content: ChatCompletionContentPart[];
}

interface Usage {
  attempts: number;
  prompt: number;
  completion: number;
  sawUsage: boolean;
}

/** A VLM in the reviewer's seat, behind any OpenAI-compatible chat-completions endpoint. */
export class VlmJudge implements Judge {
  readonly kind = 'vlm';
  private readonly settings: Settings;
  private readonly client: OpenAI;
  // Learned per judge: once a server rejects a feature, later images skip the failing request.
  private structured: boolean;
  private logprobs: boolean;

  constructor(options: VlmJudgeOptions) {
    const { apiKey, client, ...rest } = options;
    this.settings = {
      ...DEFAULTS,
      sleep,
      overlayRenderer: renderOverlay,
      random: Math.random,
      now: () => performance.now(),
      ...stripUndefined(rest),
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      overlayStyle: options.overlayStyle ?? {},
    } as Settings;
    this.structured = this.settings.structuredOutput;
    this.logprobs = this.settings.logprobs;
    this.client =
      client ??
      new OpenAI({ baseURL: rest.baseURL, apiKey, timeout: this.settings.timeoutMs, maxRetries: 0 });
  }

  async judge(input: JudgeInput, signal?: AbortSignal): Promise<Verdict> {
    const started = this.settings.now();
    const usage: Usage = { attempts: 0, prompt: 0, completion: 0, sawUsage: false };
    let prepared: Prepared;
    try {
      prepared = await this.prepare(input);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return this.failed({ code: 'overlay_failed', message, retryable: false }, started, usage);
    }
    const outcome = await this.request(prepared, usage, signal);
    if ('error' in outcome) return this.failed(outcome.error, started, usage);
    return this.interpret(outcome.completion, prepared, started, usage);
  }

  private async prepare(input: JudgeInput): Promise<Prepared> {
    const { scoreThreshold, includeRawImage, imageDetail, categories } = this.settings;
    const selected = selectInstances(input.instances, scoreThreshold);
    const overlay = await this.settings.overlayRenderer({
      image: input.image,
      instances: input.instances,
      scoreThreshold,
      style: this.settings.overlayStyle,
    });
    const prompt = renderPrompt(this.settings.prompt, { categories, selected, includeRawImage });
    const images = [dataUrl(overlay.png, 'image/png')];
    if (includeRawImage) images.push(await rawImageUrl(input.image));
    const content: ChatCompletionContentPart[] = [
      { type: 'text', text: prompt.user },
      ...images.map((url) => ({ type: 'image_url' as const, image_url: { url, detail: imageDetail } })),
    ];
    return { selected, system: prompt.system, content };
  }

  /** Attempts until a completion, a non-retryable failure, or the attempt budget runs out. */
  private async request(
    prepared: Prepared,
    usage: Usage,
    signal?: AbortSignal,
  ): Promise<{ completion: ChatCompletion } | { error: VerdictError }> {
    let failures = 0;
    for (;;) {
      usage.attempts++;
      try {
        return { completion: await this.send(prepared, signal) };
      } catch (error) {
        const failure = classifyFailure(error, Date.now());
        if (signal?.aborted)
          return { error: { code: 'aborted', message: 'aborted by the caller', retryable: true } };
        if (failure.unsupported) {
          if (this.dropFeature(failure.unsupported)) continue;
          return { error: { code: 'http_400', message: failure.message, retryable: false } };
        }
        failures++;
        const wait = this.waitBeforeRetry(failure, failures);
        if (wait === undefined) return { error: finalError(failure, failures) };
        try {
          await this.settings.sleep(wait, signal);
        } catch {
          return { error: { code: 'aborted', message: 'aborted by the caller', retryable: true } };
        }
      }
    }
  }

  /** Milliseconds to wait before the next attempt, or undefined to give up now. */
  private waitBeforeRetry(failure: FailureClass, failures: number): number | undefined {
    const { maxAttempts, backoff, random, maxRetryAfterMs } = this.settings;
    if (!failure.retryable || failures >= maxAttempts) return undefined;
    if (failure.retryAfterMs !== undefined) {
      return failure.retryAfterMs <= maxRetryAfterMs ? failure.retryAfterMs : undefined;
    }
    return backoffDelay(failures, backoff, random);
  }

  private dropFeature(feature: 'response_format' | 'logprobs'): boolean {
    if (feature === 'response_format' && this.structured) {
      this.structured = false;
      return true;
    }
    if (feature === 'logprobs' && this.logprobs) {
      this.logprobs = false;
      return true;
    }
    return false;
  }

  private async send(prepared: Prepared, signal?: AbortSignal): Promise<ChatCompletion> {
    const completion: unknown = await this.client.chat.completions.create(this.body(prepared), {
      signal,
      timeout: this.settings.timeoutMs,
    });
    if (!isCompletion(completion)) throw new SyntaxError('the server answered without a chat completion');
    return completion;
  }

  private body(prepared: Prepared): ChatCompletionCreateParamsNonStreaming {
    const { model, temperature, maxTokens, maxTokensParam, categories } = this.settings;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model,
      temperature,
      [maxTokensParam]: maxTokens,
      messages: [
        { role: 'system', content: prepared.system },
        { role: 'user', content: prepared.content },
      ],
    };
    if (this.logprobs) body.logprobs = true;
    if (this.structured) {
      const schema = answerSchema(
        prepared.selected.map((s) => s.index),
        categories.map((c) => c.name),
      );
      body.response_format = {
        type: 'json_schema',
        json_schema: { name: 'segmentation_review', strict: true, schema },
      };
    }
    return body;
  }

  private interpret(completion: ChatCompletion, prepared: Prepared, started: number, usage: Usage): Verdict {
    addUsage(usage, completion);
    const choice = completion.choices[0];
    if (choice?.message.refusal) {
      return this.failed(
        { code: 'refused', message: choice.message.refusal, retryable: false },
        started,
        usage,
      );
    }
    const content = choice?.message.content ?? '';
    const parsed = parseModelAnswer(content);
    if (!parsed.ok) {
      const truncated =
        choice?.finish_reason === 'length' ? ' (the answer was cut off at the token limit)' : '';
      const message = `${parsed.message}${truncated}; answer began: ${JSON.stringify(content.slice(0, 200))}`;
      return this.failed({ code: 'unparseable', message, retryable: false }, started, usage);
    }
    const result = reconcile(parsed.answer, prepared.selected, this.settings.categories);
    const confidence = valueConfidence(content, choice.logprobs?.content, 'image_verdict');
    const verdict: Verdict = { ...this.base(started, usage), ...result };
    if (confidence !== undefined) verdict.confidence = confidence;
    return this.applyConfidence(verdict, parsed.answer.image_verdict);
  }

  /** An uncertain model sends the image to a human rather than deciding it. */
  private applyConfidence(verdict: Verdict, modelVerdict: string): Verdict {
    const { minConfidence } = this.settings;
    if (
      verdict.confidence === undefined ||
      verdict.confidence >= minConfidence ||
      verdict.verdict === 'abstain'
    ) {
      return verdict;
    }
    const p = verdict.confidence.toFixed(3);
    const why = `[Abstained: the model's "${modelVerdict}" had probability ${p} < ${minConfidence}; would have been ${verdict.verdict}.]`;
    return { ...verdict, verdict: 'abstain', reason: `${verdict.reason} ${why}`.trim() };
  }

  private failed(error: VerdictError, started: number, usage: Usage): Verdict {
    return {
      ...this.base(started, usage),
      verdict: 'error',
      instances: [],
      reason: `${error.code}: ${error.message}`,
      error,
    };
  }

  private base(started: number, usage: Usage): Omit<Verdict, 'verdict' | 'instances' | 'reason'> {
    const s = this.settings;
    return {
      judge: {
        kind: 'vlm',
        model: s.model,
        promptVersion: s.prompt.version,
        config: {
          baseURL: s.baseURL,
          promptSha256: s.prompt.sha256,
          scoreThreshold: s.scoreThreshold,
          includeRawImage: s.includeRawImage,
          imageDetail: s.imageDetail,
          structuredOutput: this.structured,
          logprobs: this.logprobs,
          minConfidence: s.minConfidence,
          temperature: s.temperature,
          maxTokens: s.maxTokens,
          timeoutMs: s.timeoutMs,
          maxAttempts: s.maxAttempts,
        },
      },
      latencyMs: Math.round(s.now() - started),
      ...(usage.sawUsage ? { tokens: { prompt: usage.prompt, completion: usage.completion } } : {}),
      reviewSeconds: s.reviewSecondsPerImage,
      attempts: usage.attempts,
    };
  }
}

function finalError(failure: FailureClass, failures: number): VerdictError {
  const after = failure.retryable ? ` (gave up after ${failures} failed attempt(s))` : '';
  return { code: failure.code, message: `${failure.message}${after}`, retryable: failure.retryable };
}

function addUsage(usage: Usage, completion: ChatCompletion): void {
  if (!completion.usage) return;
  usage.sawUsage = true;
  usage.prompt += completion.usage.prompt_tokens ?? 0;
  usage.completion += completion.usage.completion_tokens ?? 0;
}

function isCompletion(value: unknown): value is ChatCompletion {
  return typeof value === 'object' && value !== null && Array.isArray((value as ChatCompletion).choices);
}

function dataUrl(bytes: Buffer, mime: string): string {
  return `data:${mime};base64,${bytes.toString('base64')}`;
}

/** The original bytes when the format is one chat APIs accept, else a PNG of them. */
async function rawImageUrl(bytes: Buffer): Promise<string> {
  const mime = sniffMime(bytes);
  if (mime) return dataUrl(bytes, mime);
  const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
  return dataUrl(await sharp(bytes).png().toBuffer(), 'image/png');
}

function sniffMime(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (
    bytes.subarray(0, 4).toString('latin1') === 'RIFF' &&
    bytes.subarray(8, 12).toString('latin1') === 'WEBP'
  ) {
    return 'image/webp';
  }
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  return undefined;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

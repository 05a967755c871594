import type { Config } from '../../config.ts';
import { validationError } from '../../errors/problem.ts';
import { AcceptAllJudge } from '../judging/accept-all-judge.ts';
import type { MatchingMethod } from '../judging/matching.ts';
import { ORACLE_DEFAULTS, OracleJudge, type OracleSettings } from '../judging/oracle-judge.ts';
import type { PromptTemplate } from '../judging/prompt.ts';
import { SimulatedJudge } from '../judging/simulated-judge.ts';
import type { Category, Judge } from '../judging/types.ts';
import { VlmJudge } from '../judging/vlm-judge.ts';

interface OracleOptions {
  iouThreshold?: number;
  matching?: MatchingMethod;
  minOverlapIou?: number;
  reviewSecondsPerImage?: number;
  ignoreCrowdPredictions?: boolean;
}

export interface VlmJudgeConfig {
  kind: 'vlm';
  /** Default: config.vlm (VLM_BASE_URL, VLM_API_KEY, VLM_MODEL). */
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  includeRawImage?: boolean;
  imageDetail?: 'auto' | 'low' | 'high';
  timeoutMs?: number;
  maxAttempts?: number;
  minConfidence?: number;
  logprobs?: boolean;
  structuredOutput?: boolean;
  temperature?: number;
  maxTokens?: number;
  /** Images of one job judged at once. */
  concurrency?: number;
}

export type JudgeConfig =
  | ({ kind: 'oracle' } & OracleOptions)
  | ({
      kind: 'simulated';
      falseApproveRate: number;
      falseRejectRate: number;
      seed?: number;
      /** Set by a run to its iteration, so each iteration draws its own mistakes; 0 outside a run. */
      iteration?: number;
    } & OracleOptions)
  | VlmJudgeConfig
  | { kind: 'human'; leaseSeconds?: number }
  /** No judge: every predicted image is approved unreviewed (no review seconds, no tokens). */
  | { kind: 'accept-all' };

export type JudgeKind = JudgeConfig['kind'];

/** What a pass stores: the judge settings to show, and the API key to keep out of sight. */
export interface ResolvedJudge {
  stored: Record<string, unknown> & { kind: JudgeKind };
  secret: string | null;
}

/** Fills VLM endpoint settings from the environment and refuses a judge that could never run. */
export function resolveJudge(config: JudgeConfig, vlm: Config['vlm']): ResolvedJudge {
  if (config.kind !== 'vlm') return { stored: { ...config }, secret: null };
  const { apiKey, ...rest } = config;
  const baseUrl = rest.baseUrl ?? vlm.baseUrl;
  const model = rest.model ?? vlm.model;
  if (!baseUrl) throw validationError('judge.baseUrl', 'give a VLM base URL here or set VLM_BASE_URL');
  if (!model) throw validationError('judge.model', 'give a VLM model here or set VLM_MODEL');
  const secret = apiKey ?? null;
  return { stored: { ...rest, baseUrl, model, apiKeyFrom: secret ? 'pass' : 'environment' }, secret };
}

/** The oracle's settings for a pass: its own judge's when that is an oracle or a simulation of one. */
export function oracleSettings(judge: Record<string, unknown>, scoreThreshold: number): OracleSettings {
  const own = judge.kind === 'oracle' || judge.kind === 'simulated' ? judge : {};
  const pick = <K extends keyof OracleSettings>(key: K): OracleSettings[K] =>
    (own[key] as OracleSettings[K] | undefined) ?? ORACLE_DEFAULTS[key];
  return {
    iouThreshold: pick('iouThreshold'),
    matching: pick('matching'),
    minOverlapIou: pick('minOverlapIou'),
    reviewSecondsPerImage: pick('reviewSecondsPerImage'),
    ignoreCrowdPredictions: pick('ignoreCrowdPredictions'),
    scoreThreshold,
  };
}

export interface JudgeContext {
  judge: Record<string, unknown>;
  secret: string | null;
  scoreThreshold: number;
  categories: readonly Category[];
  prompt: () => Promise<PromptTemplate>;
  vlm: Config['vlm'];
}

/** The machine judge of a pass; undefined for a human pass. */
export async function buildJudge(ctx: JudgeContext): Promise<Judge | undefined> {
  const { judge, scoreThreshold } = ctx;
  if (judge.kind === 'human') return undefined;
  if (judge.kind === 'accept-all') return new AcceptAllJudge({ scoreThreshold });
  if (judge.kind === 'oracle') return new OracleJudge(oracleSettings(judge, scoreThreshold));
  if (judge.kind === 'simulated') {
    return new SimulatedJudge({
      ...oracleSettings(judge, scoreThreshold),
      falseApproveRate: judge.falseApproveRate as number,
      falseRejectRate: judge.falseRejectRate as number,
      seed: (judge.seed as number | undefined) ?? 0,
      iteration: (judge.iteration as number | undefined) ?? 0,
    });
  }
  const c = judge as unknown as VlmJudgeConfig;
  return new VlmJudge({
    baseURL: c.baseUrl ?? ctx.vlm.baseUrl ?? '',
    // OpenAI's client insists on a key; local servers ignore it.
    apiKey: ctx.secret ?? ctx.vlm.apiKey ?? 'none',
    model: c.model ?? ctx.vlm.model ?? '',
    categories: ctx.categories,
    prompt: await ctx.prompt(),
    scoreThreshold,
    includeRawImage: c.includeRawImage,
    imageDetail: c.imageDetail,
    timeoutMs: c.timeoutMs,
    maxAttempts: c.maxAttempts,
    minConfidence: c.minConfidence,
    logprobs: c.logprobs,
    structuredOutput: c.structuredOutput,
    temperature: c.temperature,
    maxTokens: c.maxTokens,
  });
}

/** Images of one judge job judged at once: a VLM waits on the network, the others on nothing. */
export function judgeConcurrency(judge: Record<string, unknown>): number {
  return judge.kind === 'vlm' ? ((judge.concurrency as number | undefined) ?? 4) : 1;
}

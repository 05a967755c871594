import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ModelAnswer } from '../../src/domains/judging/model-answer.ts';

/** The model's answer; missing fields are filled in as "every prompted instance correct, approve". */
export type FakeAnswer = Partial<ModelAnswer>;

export type FakeBehaviour =
  | {
      type: 'verdict';
      answer?: FakeAnswer | ((request: RecordedRequest) => FakeAnswer);
      /** Probability given to the image-verdict token when the request asks for logprobs. */
      verdictProbability?: number;
      /** false: omit logprobs even when asked. */
      logprobs?: boolean;
      latencyMs?: number;
      usage?: { prompt_tokens: number; completion_tokens: number };
    }
  | {
      type: 'status';
      status: number;
      retryAfter?: string;
      message?: string;
      param?: string;
      latencyMs?: number;
    }
  /** Never answers: the client's timeout must fire. */
  | { type: 'hang' }
  /** A 200 completion whose content is this text (prose, malformed JSON, ...). */
  | { type: 'text'; content: string; finishReason?: string; latencyMs?: number }
  /** A 200 whose HTTP body is this raw text (broken JSON). */
  | { type: 'body'; body: string; contentType?: string }
  | { type: 'refusal'; refusal: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  receivedAt: number;
}

export interface FakeOpenAiServerOptions {
  /** Used when the queue is empty: by default, approve every prompted instance. */
  defaultBehaviour?: FakeBehaviour;
  /** Added before every answer. */
  latencyMs?: number;
  /** Answer 400 to any request that carries `response_format`, like servers without structured output. */
  rejectResponseFormat?: boolean;
  rejectLogprobs?: boolean;
}

export interface FakeOpenAiServer {
  /** Base URL for the OpenAI client, ending in /v1. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  options: FakeOpenAiServerOptions;
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Chat-completion requests only. */
  completionRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAiServer(
  options: FakeOpenAiServerOptions = {},
): Promise<FakeOpenAiServer> {
  const queue: FakeBehaviour[] = [];
  const requests: RecordedRequest[] = [];
  const state = { options };
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    readBody(req).then((text) => {
      const recorded = record(req, text);
      requests.push(recorded);
      route(
        recorded,
        res,
        () => queue.shift() ?? state.options.defaultBehaviour ?? { type: 'verdict' },
        state,
        timers,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get options() {
      return state.options;
    },
    set options(value) {
      state.options = value;
    },
    enqueue: (...behaviours) => queue.push(...behaviours),
    completionRequests: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function record(req: http.IncomingMessage, text: string): RecordedRequest {
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Recorded as text: the test can assert on it.
  }
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body,
    receivedAt: Date.now(),
  };
}

function route(
  request: RecordedRequest,
  res: http.ServerResponse,
  next: () => FakeBehaviour,
  state: { options: FakeOpenAiServerOptions },
  timers: Set<NodeJS.Timeout>,
): void {
  const early = earlyAnswer(request, state.options);
  if (early) {
    json(res, early.status, early.body);
    return;
  }
  const behaviour = next();
  if (behaviour.type === 'hang') return;
  const delay = (state.options.latencyMs ?? 0) + ('latencyMs' in behaviour ? (behaviour.latencyMs ?? 0) : 0);
  const timer = setTimeout(() => {
    timers.delete(timer);
    if (!res.destroyed) respond(request, res, behaviour);
  }, delay);
  timers.add(timer);
}

/** Answers that do not consume the script: other routes, and features the server is set to refuse. */
function earlyAnswer(
  request: RecordedRequest,
  options: FakeOpenAiServerOptions,
): { status: number; body: unknown } | undefined {
  if (request.method === 'GET' && request.path === '/v1/models') {
    const data = [{ id: 'fake-vlm', object: 'model', created: 0, owned_by: 'test' }];
    return { status: 200, body: { object: 'list', data } };
  }
  if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
    return { status: 404, body: apiError(`no route ${request.method} ${request.path}`) };
  }
  if (options.rejectResponseFormat && request.body?.response_format) {
    return {
      status: 400,
      body: apiError('response_format json_schema is not supported by this server', 'response_format'),
    };
  }
  if (options.rejectLogprobs && request.body?.logprobs) {
    return { status: 400, body: apiError('logprobs are not supported by this server', 'logprobs') };
  }
  return undefined;
}

function respond(request: RecordedRequest, res: http.ServerResponse, behaviour: FakeBehaviour): void {
  switch (behaviour.type) {
    case 'status': {
      const headers: Record<string, string> = behaviour.retryAfter
        ? { 'retry-after': behaviour.retryAfter }
        : {};
      const message = behaviour.message ?? `scripted status ${behaviour.status}`;
      json(res, behaviour.status, apiError(message, behaviour.param), headers);
      break;
    }
    case 'body':
      res.writeHead(200, { 'content-type': behaviour.contentType ?? 'application/json' });
      res.end(behaviour.body);
      break;
    case 'refusal':
      json(res, 200, completion(request, { content: null, refusal: behaviour.refusal }));
      break;
    case 'text':
      json(res, 200, completion(request, { content: behaviour.content }, behaviour.finishReason));
      break;
    case 'verdict':
      json(res, 200, verdictCompletion(request, behaviour));
      break;
  }
}

function verdictCompletion(request: RecordedRequest, behaviour: Extract<FakeBehaviour, { type: 'verdict' }>) {
  const scripted =
    typeof behaviour.answer === 'function' ? behaviour.answer(request) : (behaviour.answer ?? {});
  const answer: ModelAnswer = {
    instances:
      scripted.instances ??
      promptedInstances(request).map(({ index }) => ({ index, verdict: 'correct' as const, note: '' })),
    missed_objects: scripted.missed_objects ?? [],
    reason: scripted.reason ?? 'Every mask matches its object.',
    image_verdict: scripted.image_verdict ?? 'approve',
  };
  const content = JSON.stringify(answer);
  const wantsLogprobs = request.body?.logprobs === true && behaviour.logprobs !== false;
  const logprobs = wantsLogprobs
    ? { content: tokenLogprobs(content, behaviour.verdictProbability ?? 0.99) }
    : null;
  return completion(request, { content }, 'stop', logprobs, behaviour.usage);
}

function completion(
  request: RecordedRequest,
  message: { content: string | null; refusal?: string },
  finishReason = 'stop',
  logprobs: unknown = null,
  usage = { prompt_tokens: 1200, completion_tokens: 80 },
) {
  return {
    id: `chatcmpl-fake-${Date.now()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.body?.model ?? 'fake-vlm',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: message.content, refusal: message.refusal ?? null },
        logprobs,
        finish_reason: finishReason,
      },
    ],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

/** Word/number/space/punctuation tokens that spell `content`; the image-verdict value gets ln(p). */
function tokenLogprobs(content: string, verdictProbability: number) {
  const marker = '"image_verdict":"';
  const start = content.lastIndexOf(marker) + marker.length;
  const end = content.indexOf('"', start);
  let offset = 0;
  return (content.match(/[A-Za-z_]+|\d+|\s+|[^A-Za-z_\d\s]/g) ?? []).map((token) => {
    const inVerdict = offset < end && offset + token.length > start;
    offset += token.length;
    return { token, logprob: inVerdict ? Math.log(verdictProbability) : 0, bytes: null, top_logprobs: [] };
  });
}

function apiError(message: string, param?: string) {
  return { error: { message, type: 'invalid_request_error', param: param ?? null, code: null } };
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The user message's text part. */
export function userText(request: RecordedRequest): string {
  const user = request.body?.messages?.find((m: { role: string }) => m.role === 'user');
  const parts: { type: string; text?: string }[] = Array.isArray(user?.content) ? user.content : [];
  return parts.find((p) => p.type === 'text')?.text ?? '';
}

/** The data URLs of the user message's image parts, in order. */
export function imageUrls(request: RecordedRequest): string[] {
  const user = request.body?.messages?.find((m: { role: string }) => m.role === 'user');
  const parts: { type: string; image_url?: { url: string } }[] = Array.isArray(user?.content)
    ? user.content
    : [];
  return parts.filter((p) => p.type === 'image_url').map((p) => p.image_url?.url ?? '');
}

/** The numbered instances the prompt lists ("- #3: book"). */
export function promptedInstances(request: RecordedRequest): { index: number; categoryName: string }[] {
  return [...userText(request).matchAll(/^- #(\d+): (.+)$/gm)].map((m) => ({
    index: Number(m[1]),
    categoryName: m[2],
  }));
}

import fs from 'node:fs/promises';
import path from 'node:path';
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../openapi/openapi-types.js';

export type { components, paths };
/** The API's schemas by name (components/schemas in openapi/openapi.json). */
export type Schemas = components['schemas'];
export type TypedClient = Client<paths>;

/** Errors throw as ApiClient's raw requests do: `METHOD /path -> status: body` (the problem JSON). */
const throwOnError: Middleware = {
  async onResponse({ request, response }) {
    if (response.ok) return undefined;
    const url = new URL(request.url);
    throw new Error(
      `${request.method} ${url.pathname}${url.search} -> ${response.status}: ${await response.text()}`,
    );
  },
};

/**
 * A client typed by the committed OpenAPI (openapi/openapi-types.d.ts, `npm run client`), built with
 * openapi-fetch. A response that is not 2xx throws; `unwrap` then gives the body with its type.
 */
export function createApiClient(baseUrl: string, key: string): TypedClient {
  const client = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${key}` } });
  client.use(throwOnError);
  return client;
}

/** The body of a typed call, or the error it carries thrown like ApiClient's (for clients without the middleware). */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    const url = new URL(response.url);
    const text = typeof error === 'string' ? error : JSON.stringify(error);
    throw new Error(`${url.pathname}${url.search} -> ${response.status}: ${text}`);
  }
  return data as NonNullable<T>;
}

/**
 * Our own REST API's client, for the demo, experiments, benchmarks and tests: `typed` is the
 * OpenAPI-typed client; `json`, `request` and `uploadImages` are the raw calls for what it does not
 * cover yet (multipart uploads, binary downloads).
 */
export class ApiClient {
  readonly typed: TypedClient;

  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {
    this.typed = createApiClient(baseUrl, key);
  }

  async json<T = unknown>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await this.request(method, url, body === undefined ? undefined : JSON.stringify(body), {
      'content-type': 'application/json',
    });
    return (await res.json()) as T;
  }

  async request(
    method: string,
    url: string,
    body?: string | FormData,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(this.baseUrl + url, {
      method,
      body,
      headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : headers) },
    });
    if (!res.ok) throw new Error(`${method} ${url} -> ${res.status}: ${await res.text()}`);
    return res;
  }

  /**
   * Uploads files in batches of multipart requests, one at a time unless `concurrency` says more. One at a
   * time, image ids follow the files' order, so projects made from the same files draw the same seeded
   * initial labels (the experiment's and the demo's projects rely on it). With 2 in flight the server
   * decodes one batch while the next is read and sent (bench/results/foundation.md), in any order.
   */
  async uploadImages(
    projectId: number,
    files: string[],
    options: { query?: string; batch?: number; concurrency?: number; onBatch?: (done: number) => void } = {},
  ): Promise<{ created: number; existing: number }> {
    const batch = options.batch ?? 50;
    const totals = { created: 0, existing: 0, done: 0 };
    let next = 0;
    let failed = false;
    const lane = async () => {
      // A failed request stops the other lane too, after its request in flight.
      while (next < files.length && !failed) {
        const slice = files.slice(next, next + batch);
        next += slice.length;
        const form = new FormData();
        for (const file of slice)
          form.append('files', new Blob([await fs.readFile(file)]), path.basename(file));
        const res = await this.request(
          'POST',
          `/v1/projects/${projectId}/images${options.query ?? ''}`,
          form,
        ).catch((err) => {
          failed = true;
          throw err;
        });
        const out = (await res.json()) as Schemas['ImageUploadResult'];
        totals.created += out.created;
        totals.existing += out.existing;
        totals.done += slice.length;
        options.onBatch?.(totals.done);
      }
    };
    const lanes = Math.max(1, Math.min(options.concurrency ?? 1, Math.ceil(files.length / batch)));
    await Promise.all(Array.from({ length: lanes }, lane));
    return { created: totals.created, existing: totals.existing };
  }
}

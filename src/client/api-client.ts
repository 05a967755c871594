import fs from 'node:fs/promises';
import path from 'node:path';

/** A small typed-enough client of our own REST API, for the demo, benchmarks and tests. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

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

  /** Uploads files in batches of multipart requests. */
  async uploadImages(
    projectId: number,
    files: string[],
    options: { query?: string; batch?: number; onBatch?: (done: number) => void } = {},
  ): Promise<{ created: number; existing: number }> {
    let created = 0;
    let existing = 0;
    const batch = options.batch ?? 50;
    for (let i = 0; i < files.length; i += batch) {
      const form = new FormData();
      for (const file of files.slice(i, i + batch))
        form.append('files', new Blob([await fs.readFile(file)]), path.basename(file));
      const res = await this.request('POST', `/v1/projects/${projectId}/images${options.query ?? ''}`, form);
      const out = (await res.json()) as { created: number; existing: number };
      created += out.created;
      existing += out.existing;
      options.onBatch?.(Math.min(i + batch, files.length));
    }
    return { created, existing };
  }
}

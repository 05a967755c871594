import { unzipSync } from 'fflate';
import type { AllowList } from '../../net/allow-list.ts';
import { FetchFailedError, guardedGet, readBody } from '../../net/guarded-fetch.ts';

export interface CvatClientOptions {
  baseUrl: string;
  /** e.g. `Authorization: Token <personal access token>`; sent to the CVAT server's origin only. */
  authHeader: { name: string; value: string } | null;
  allow: AllowList;
  timeoutMs?: number;
  /** How long an export may take on CVAT's side, and how often to ask. */
  exportWaitMs?: number;
  pollMs?: number;
  maxZipBytes?: number;
}

/** What CVAT's requests API answers about a background request (GET /api/requests/{rq_id}). */
interface CvatRequest {
  status: 'queued' | 'started' | 'finished' | 'failed';
  message?: string;
  result_url?: string | null;
}

/**
 * The few calls of CVAT's REST API (v2.20 and later) that pull a job's annotations: start a dataset
 * export of the job in "COCO 1.0" without images, wait for the background request, download its zip
 * and read `annotations/instances_default.json` out of it. Every call goes through the guarded fetch
 * with the project's allow-list, so an on-premise CVAT is reachable only where the list names it.
 */
export class CvatClient {
  private readonly base: URL;
  constructor(private readonly options: CvatClientOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  async exportJobCoco(jobId: number): Promise<unknown> {
    const started = await this.json<{ rq_id?: string }>(
      'POST',
      `api/jobs/${jobId}/dataset/export?format=${encodeURIComponent('COCO 1.0')}&save_images=false`,
    );
    if (!started.rq_id) throw new FetchFailedError('CVAT started no export request (no rq_id)');
    const resultUrl = await this.waitFor(started.rq_id);
    const zip = await this.download(resultUrl);
    return readInstances(zip);
  }

  private async waitFor(rqId: string): Promise<string> {
    const end = Date.now() + (this.options.exportWaitMs ?? 300_000);
    for (;;) {
      const request = await this.json<CvatRequest>('GET', `api/requests/${encodeURIComponent(rqId)}`);
      if (request.status === 'finished') {
        if (!request.result_url) throw new FetchFailedError('CVAT finished the export without a result_url');
        return request.result_url;
      }
      if (request.status === 'failed')
        throw new FetchFailedError(`CVAT's export failed: ${request.message ?? 'no message'}`);
      if (Date.now() > end)
        throw new FetchFailedError(`CVAT's export of request ${rqId} did not finish in time`);
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 1000));
    }
  }

  private async download(resultUrl: string): Promise<Buffer> {
    const url = new URL(resultUrl, this.base);
    const res = await guardedGet(url.toString(), this.fetchOptions('GET', url));
    return readBody(res, this.options.maxZipBytes ?? 512 * 1024 * 1024);
  }

  private async json<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const url = new URL(path, this.base);
    const res = await guardedGet(url.toString(), this.fetchOptions(method, url));
    const body = await readBody(res, 16 * 1024 * 1024);
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new FetchFailedError(
        `CVAT answered ${method} /${path.split('?')[0]} with something other than JSON`,
      );
    }
  }

  private fetchOptions(method: 'GET' | 'POST', url: URL) {
    const { authHeader, allow, timeoutMs } = this.options;
    // The token goes to the CVAT server's origin only (a result_url elsewhere gets none), and guardedGet
    // drops it on any redirect off that origin.
    const auth = authHeader && url.origin === this.base.origin ? { [authHeader.name]: authHeader.value } : {};
    return {
      method,
      allow,
      headers: { accept: 'application/vnd.cvat+json, application/json, application/zip', ...auth },
      timeoutMs: timeoutMs ?? 60_000,
    };
  }
}

/** The instances file of a CVAT "COCO 1.0" export zip. */
export function readInstances(zip: Buffer): unknown {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(new Uint8Array(zip), { filter: (f) => /^annotations\/[^/]+\.json$/.test(f.name) });
  } catch (err) {
    throw new FetchFailedError(`CVAT's export is not a zip file (${(err as Error).message})`);
  }
  const name =
    Object.keys(files).find((n) => n === 'annotations/instances_default.json') ??
    Object.keys(files).find((n) => n.startsWith('annotations/instances'));
  if (!name) throw new FetchFailedError('the export has no annotations/instances_*.json');
  return JSON.parse(Buffer.from(files[name]).toString('utf8'));
}

import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../openapi/openapi-types.js';

export type Schemas = components['schemas'];

const KEY = 'vlm-loop.apiKey';

/** The key lives in this tab's session storage only: never in a URL, gone when the tab closes. */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

export function authHeaders(): Record<string, string> {
  const key = session.key();
  return key ? { authorization: `Bearer ${key}` } : {};
}

const auth: Middleware = {
  onRequest({ request }) {
    const key = session.key();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin });
api.use(auth);

/** An RFC 9457 problem as the server sends it; `errors` names each offending field. */
export interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { name: string; detail: string }[];
}

/** A failed call in words a person can act on: what failed, why, and which fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problemText(status, problem));
  }
}

export function problemText(status: number, p: Problem): string {
  const head = `${p.title ?? 'Error'} (${status})${p.detail ? `: ${p.detail}` : ''}`;
  const fields = (p.errors ?? []).map((e) => `${e.name}: ${e.detail}`);
  return fields.length > 0 ? `${head} — ${fields.join('; ')}` : head;
}

/** Unwraps an openapi-fetch result: the data, or an ApiError carrying the problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: (e as Error).message });
  }
  if (result.error !== undefined || !result.response.ok)
    throw new ApiError(result.response.status, asProblem(result.error));
  return result.data as T;
}

function asProblem(body: unknown): Problem {
  if (body && typeof body === 'object') return body as Problem;
  return { detail: typeof body === 'string' && body ? body : undefined };
}

/** Binary resources (overlays, originals, exports) need the key too, so they are fetched, not linked. */
export async function fetchBlob(path: string, signal?: AbortSignal): Promise<Blob> {
  const res = await fetch(path, { headers: authHeaders(), signal });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => ({})));
  return res.blob();
}

/** A blob as an object URL for an <img>, decoded before it is returned so showing it costs no wait. */
export async function imageUrl(path: string, signal?: AbortSignal): Promise<string> {
  const url = URL.createObjectURL(await fetchBlob(path, signal));
  const img = new Image();
  img.src = url;
  await img.decode().catch(() => undefined);
  return url;
}

/** Sends a multipart body with upload progress (fetch has none), resolving with status and parsed body. */
export function uploadWithProgress(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = xhr.responseText;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: kept as text
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () =>
      reject(new ApiError(0, { title: 'Network error', detail: 'the upload did not reach the server' }));
    xhr.send(form);
  });
}

import { FetchError, fetchBytes } from '../../net/url-fetch.ts';

export interface LabelStudioClientOptions {
  /** Label Studio's base URL, e.g. http://localhost:8080 */
  url: string;
  /** A legacy API token (`Authorization: Token ...`). */
  token: string;
  allowPrivate: boolean;
  timeoutMs: number;
  maxBytes: number;
}

export interface LabelStudioTask {
  id: number;
  data: Record<string, unknown>;
  annotations?: LabelStudioAnnotation[];
}

export interface LabelStudioAnnotation {
  id: number;
  result: Record<string, unknown>[];
  was_cancelled?: boolean;
  updated_at?: string;
}

/** Label Studio's REST API, as far as the ML backend needs it: tasks, their annotations, their images. */
export class LabelStudioClient {
  private readonly origin: string;

  constructor(private readonly options: LabelStudioClientOptions) {
    this.origin = new URL(options.url).origin;
  }

  /** Every task with at least one annotation, annotations included (Label Studio's JSON export). */
  annotatedTasks(projectId: number): Promise<LabelStudioTask[]> {
    return this.json(`/api/projects/${projectId}/export?exportType=JSON&download_all_tasks=false`);
  }

  async task(taskId: number): Promise<LabelStudioTask> {
    const task = await this.json<LabelStudioTask>(`/api/tasks/${taskId}`);
    const annotations = await this.json<LabelStudioAnnotation[]>(`/api/tasks/${taskId}/annotations/`);
    return { ...task, annotations };
  }

  /**
   * A task's image. Relative URLs (Label Studio's uploads, `/data/upload/...`) are Label Studio's; the
   * token goes only to Label Studio's own origin, never to a third-party URL a task names.
   */
  image(raw: string): Promise<Buffer> {
    const url = new URL(raw, this.options.url);
    const own = url.origin === this.origin;
    return fetchBytes(url.href, {
      allowPrivate: this.options.allowPrivate,
      maxBytes: this.options.maxBytes,
      timeoutMs: this.options.timeoutMs,
      headers: own ? this.auth() : {},
    });
  }

  private async json<T>(path: string): Promise<T> {
    const body = await fetchBytes(new URL(path, this.options.url).href, {
      allowPrivate: this.options.allowPrivate,
      maxBytes: 256 * 1024 * 1024,
      timeoutMs: this.options.timeoutMs,
      headers: { ...this.auth(), accept: 'application/json' },
    });
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new FetchError('failed', `${path} did not answer JSON`);
    }
  }

  private auth(): Record<string, string> {
    return { authorization: `Token ${this.options.token}` };
  }
}

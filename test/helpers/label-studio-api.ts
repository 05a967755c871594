import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTask {
  id: number;
  data: Record<string, unknown>;
  annotations: {
    id: number;
    result: Record<string, unknown>[];
    was_cancelled?: boolean;
    updated_at?: string;
  }[];
}

/**
 * Label Studio's REST API as far as the ML backend reads it (JSON export, a task, its annotations,
 * uploaded files), over a real socket, requiring its token. The real server is exercised by
 * `npm run test:label-studio`; this one keeps the default suite fast.
 */
export interface FakeLabelStudio {
  url: string;
  token: string;
  tasks: FakeTask[];
  files: Map<string, Buffer>;
  /** Authorization headers seen, by path. */
  seen: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

export async function startFakeLabelStudio(token = 'ls-token-123'): Promise<FakeLabelStudio> {
  const fake: Omit<FakeLabelStudio, 'url' | 'close'> = { token, tasks: [], files: new Map(), seen: [] };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    fake.seen.push({ path, authorization: req.headers.authorization });
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (path.startsWith('/public/')) return sendFile(fake.files.get(path), res);
    if (req.headers.authorization !== `Token ${token}`)
      return json(401, { detail: 'Authentication credentials were not provided.' });
    if (path.startsWith('/data/upload/')) return sendFile(fake.files.get(path), res);
    let m = path.match(/^\/api\/projects\/(\d+)\/export$/);
    if (m)
      return json(
        200,
        fake.tasks.filter((t) => t.annotations.length > 0),
      );
    m = path.match(/^\/api\/tasks\/(\d+)\/annotations\/?$/);
    if (m) return json(200, fake.tasks.find((t) => t.id === Number(m?.[1]))?.annotations ?? []);
    m = path.match(/^\/api\/tasks\/(\d+)$/);
    const task = m && fake.tasks.find((t) => t.id === Number(m?.[1]));
    if (task) return json(200, { id: task.id, data: task.data });
    json(404, { detail: 'Not found.' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

function sendFile(bytes: Buffer | undefined, res: http.ServerResponse): void {
  if (!bytes) res.writeHead(404).end();
  else res.writeHead(200, { 'content-type': 'image/png' }).end(bytes);
}

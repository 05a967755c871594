import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { App } from './app-type.ts';
import { sendProblem } from './problem-json.ts';

/** Where `npm run build:web` writes the single-page app (web/dist, not committed). */
export const WEB_APP_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// The app loads only its own files and talks only to this origin; images arrive as blob: URLs.
const CSP =
  "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the web app at /app: its built files by name, and index.html for every other path under it, so
 * that the app's own routes (/app/review/...) survive a reload. The app is public; its data is not: every
 * call it makes carries the key the person typed, to the same /v1 API.
 */
export function webAppRoutes(dir = WEB_APP_DIR) {
  return async (app: App) => {
    app.get('/app', { schema: { hide: true } }, (_request, reply) => reply.redirect('/app/'));
    app.get<{ Params: { '*': string } }>('/app/*', { schema: { hide: true } }, async (request, reply) => {
      const name = path.posix.normalize(`/${request.params['*']}`).slice(1);
      const type = TYPES[path.extname(name)];
      const file = type && !name.includes('..') ? name : 'index.html';
      return sendFile(reply, dir, file, request.url);
    });
  };
}

async function sendFile(reply: FastifyReply, dir: string, file: string, url: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await fs.readFile(path.join(dir, file));
  } catch {
    const built = file !== 'index.html';
    return sendProblem(reply, {
      type: 'https://vlm-loop.dev/problems/not-found',
      title: 'Not Found',
      status: built ? 404 : 503,
      detail: built ? `no file ${file} in the web app` : 'the web app is not built: run `npm run build:web`',
      instance: url,
    });
  }
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  // index.html names app.js and app.css; both change on every build, so nothing is cached for long.
  if (file === 'index.html') reply.header('content-security-policy', CSP);
  return reply.type(type).header('cache-control', 'no-cache').send(body);
}

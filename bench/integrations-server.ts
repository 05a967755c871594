/**
 * The server side of bench/integrations.bench.ts, as its own process: the real vlm-loop server (API and
 * an in-process webhook worker) and, in the same process, a bare Fastify whose only route returns a
 * constant JSON body of a requested size: the floor that the real routes are measured against.
 * Prints one line `{"url": ..., "bareUrl": ...}` when both listen; stops on SIGTERM.
 */
import Fastify from 'fastify';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

const config = loadConfig(process.env, { port: 0, inProcessWorker: true, allowPrivateWebhookTargets: true });
// Only webhooks on this worker, polling often enough that an idle start does not dominate the figure.
config.worker = { ...config.worker, devices: 'cpu', queues: ['webhook.deliver'], pollMs: 100 };
const server = await startServer(config, { logger: false });

const constants = new Map<number, string>();
/** Exactly `bytes` bytes of JSON. */
function constant(bytes: number): string {
  let body = constants.get(bytes);
  if (!body) {
    body = `{"data":"${'x'.repeat(Math.max(0, bytes - 11))}"}`;
    constants.set(bytes, body);
  }
  return body;
}
const bare = Fastify({ logger: false });
bare.get<{ Params: { bytes: string } }>('/constant/:bytes', (request, reply) =>
  reply.type('application/json; charset=utf-8').send(constant(Number(request.params.bytes))),
);
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, bareUrl })}\n`);

process.once('SIGTERM', async () => {
  await bare.close();
  await server.close();
  process.exit(0);
});

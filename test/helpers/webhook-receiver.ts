import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  /** The body exactly as received, for signature checks. */
  body: string;
  status: number;
}

/** A real HTTP receiver on 127.0.0.1 that records every request and answers with `respond`'s status. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  respond: (hook: Omit<ReceivedWebhook, 'status'>) => number = () => 204;
  private server: http.Server | undefined;

  private constructor(public port: number) {}

  /** Listens on `port` (0: any free one). */
  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(port);
    await receiver.listen();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hook = {
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const status = this.respond(hook);
        this.received.push({ ...hook, status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`answered ${status}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening: deliveries now fail with ECONNREFUSED until `listen()` again. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** Requests answered 2xx, by webhook-id. */
  delivered(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }
}

import { type Client, createClient } from 'graphql-ws/client';

/** What one subscription delivered: each result's single field, the errors, whether the server ended it. */
export interface Stream {
  events: { type: string; projectId: string; data: Record<string, any> }[];
  errors: unknown[];
  completed: boolean;
}

/** A graphql-ws client over a real websocket (Node 20 has no global WebSocket: the `ws` package). */
export async function graphqlWsClient(baseUrl: string, apiKey: string): Promise<Client> {
  const { default: WebSocket } = (await import('ws' as string)) as { default: unknown };
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${apiKey}` },
    retryAttempts: 0,
  });
}

/** Subscribes `query` on `client`, collecting into a Stream that fills as results arrive. */
export function collect(client: Client, query: string): Stream {
  const stream: Stream = { events: [], errors: [], completed: false };
  client.subscribe(
    { query },
    {
      next: (r) =>
        r.errors
          ? stream.errors.push(...r.errors)
          : stream.events.push(Object.values(r.data ?? {})[0] as Stream['events'][number]),
      error: (e) => stream.errors.push(...(Array.isArray(e) ? e : [e])),
      complete: () => {
        stream.completed = true;
      },
    },
  );
  return stream;
}

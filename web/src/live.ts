import { createClient } from 'graphql-ws/client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { session } from './api.ts';

export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * The project's events over the GraphQL subscription `projectEvents` (graphql-ws on /graphql, the key in
 * connection_init, never in the URL). `onEvent` runs for each; `connected` says whether the socket is up,
 * so a page can fall back to polling while it is not.
 */
export function useProjectEvents(projectId: number, onEvent: (e: LiveEvent) => void): boolean {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const client = createClient({
      url: `${location.origin.replace(/^http/, 'ws')}/graphql`,
      connectionParams: { authorization: `Bearer ${session.key()}` },
      retryAttempts: 5,
      on: {
        connected: () => setConnected(true),
        closed: () => setConnected(false),
      },
    });
    const stop = client.subscribe<{ projectEvents: LiveEvent }>(
      {
        query: `subscription($p: ID!) { projectEvents(projectId: $p) { type data } }`,
        variables: { p: projectId },
      },
      {
        next: (r) => r.data && handler.current(r.data.projectEvents),
        error: () => setConnected(false),
        complete: () => setConnected(false),
      },
    );
    return () => {
      stop();
      client.dispose();
    };
  }, [projectId]);
  return connected;
}

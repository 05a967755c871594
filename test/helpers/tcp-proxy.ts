import net from 'node:net';

/**
 * A TCP proxy on a loopback port in front of a real server, to break connections the way a network
 * does: `dropConnections` closes that many new connections before a byte is forwarded, and
 * `cutResponseAfter` cuts the first response stream that grows past that many bytes.
 */
export interface Faults {
  dropConnections: number;
  cutResponseAfter?: number;
}

export interface TcpProxy {
  port: number;
  faults: Faults;
  /** Connections accepted, dropped and cut so far. */
  stats: { connections: number; dropped: number; cut: number };
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, faults: Faults): Promise<TcpProxy> {
  const stats = { connections: 0, dropped: 0, cut: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    stats.connections++;
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (proxy.faults.dropConnections > 0) {
      proxy.faults.dropConnections--;
      stats.dropped++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    let sent = 0;
    upstream.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      const limit = proxy.faults.cutResponseAfter;
      if (limit !== undefined && sent > limit) {
        proxy.faults.cutResponseAfter = undefined;
        stats.cut++;
        client.write(chunk.subarray(0, chunk.length - (sent - limit)));
        client.resetAndDestroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: TcpProxy = {
    port: (server.address() as net.AddressInfo).port,
    faults,
    stats,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
  return proxy;
}

/**
 * A TCP proxy between the driver and the real Cassandra node, to make the node look stopped or
 * slow without touching the node the other test files share.
 *   pass    - bytes flow both ways;
 *   stall   - connections stay open but nothing is forwarded (a hung node, a partition);
 *   refuse  - every connection is cut and new ones are refused (a stopped node).
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'stall' | 'refuse';

export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private modeNow: ProxyMode = 'pass';

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
    readonly host = '127.0.0.1',
    private port = 0,
  ) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get mode(): ProxyMode {
    return this.modeNow;
  }

  async start(): Promise<void> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(this.port, this.host, resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    this.modeNow = mode;
    if (mode === 'refuse') {
      for (const [a, b] of this.pairs) {
        a.destroy();
        b.destroy();
      }
      this.pairs.clear();
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.server = undefined;
    } else if (!this.server) {
      await this.start();
    }
    if (mode === 'pass') for (const [a, b] of this.pairs) resumeBoth(a, b);
  }

  async stop(): Promise<void> {
    await this.setMode('refuse');
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.upstreamPort, this.upstreamHost);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) =>
      from.on('data', (chunk) => {
        if (this.modeNow === 'stall') {
          from.pause();
          from.unshift(chunk);
          return;
        }
        to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }
}

function resumeBoth(a: net.Socket, b: net.Socket): void {
  a.resume();
  b.resume();
}

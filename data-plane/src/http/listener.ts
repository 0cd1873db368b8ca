import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import {
  type ConnectionHost,
  type ConnectionTimeouts,
  DEFAULT_TIMEOUTS,
  HttpConnection,
  type RequestHandler,
} from "./connection.js";

/** PEM material of a TLS listener; with a client CA it asks every client for a certificate. */
export interface ListenerTls {
  cert: string;
  key: string;
  clientCa?: string;
}

/** How often deadlines are checked: timeouts are whole minutes, so a second is precise enough. */
const SWEEP_MS = 1000;

/**
 * A TCP (or TLS) listener whose connections speak HTTP/1.1 through `HttpConnection`. Shutdown
 * is in two steps, as with node:http: `close` stops accepting and closes idle connections
 * (busy ones close after their answer); `closeAllConnections` drops the rest.
 */
export class HttpListener implements ConnectionHost {
  readonly handler: RequestHandler;
  readonly #server: Server;
  readonly #connections = new Set<HttpConnection>();
  readonly #sweep: NodeJS.Timeout;
  readonly #onFailure: (error: unknown) => void;
  readonly timeouts: ConnectionTimeouts;
  readonly keepAliveLines: string;
  now = Date.now();
  draining = false;

  constructor(
    handler: RequestHandler,
    onFailure: (error: unknown) => void,
    tls?: ListenerTls,
    timeouts: ConnectionTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.handler = handler;
    this.timeouts = timeouts;
    this.keepAliveLines = `Connection: keep-alive\r\nKeep-Alive: timeout=${Math.max(1, Math.floor(timeouts.keepAliveMs / 1000))}\r\n\r\n`;
    this.#onFailure = onFailure;
    const accept = (socket: Socket) => {
      socket.setNoDelay(true);
      this.#connections.add(new HttpConnection(socket, this));
    };
    // Certificates are verified, never required at the handshake: the mtls policy of each API
    // decides, with a problem+json answer instead of a TLS alert the client cannot read.
    this.#server =
      tls === undefined
        ? createServer(accept)
        : createTlsServer(
            {
              cert: tls.cert,
              key: tls.key,
              ca: tls.clientCa,
              requestCert: tls.clientCa !== undefined,
              rejectUnauthorized: false,
              ALPNProtocols: ["http/1.1"],
            },
            (socket: TLSSocket) => accept(socket),
          );
    this.#sweep = setInterval(() => this.#expire(), SWEEP_MS);
    this.#sweep.unref();
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
  }

  #expire(): void {
    const now = Date.now();
    this.now = now;
    for (const c of this.#connections) {
      if (c.deadline !== 0 && c.deadline <= now) {
        c.expire();
      }
    }
  }

  forget(connection: HttpConnection): void {
    this.#connections.delete(connection);
  }

  failed(error: unknown): void {
    this.#onFailure(error);
  }

  /** Stops accepting; resolves once every connection, upgraded ones included, has ended. */
  close(): Promise<void> {
    this.draining = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const c of this.#connections) {
      c.closeWhenIdle();
    }
    clearInterval(this.#sweep);
    return closed;
  }

  closeAllConnections(): void {
    for (const c of this.#connections) {
      c.socket.destroy();
    }
  }
}

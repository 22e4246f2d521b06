import { WebSocket } from 'ws';
import type { Platform } from '../platform.ts';

/**
 * A charger the fleet platform names (with the bus parked at it, if any) an hour before `at`, so
 * the model knows the charge point before it speaks OCPP.
 */
export async function addCharger(platform: Platform, code: string, vehicle: string | null, at: number) {
  await platform.mobility.ingest.chargers(
    [
      {
        code,
        current: 'DC',
        kind: 'pantograph',
        powerKw: 150,
        latitude: null,
        longitude: null,
        status: 'Unavailable',
        vehicle,
        socPct: null,
        updatedAt: at - 3_600_000,
      },
    ],
    'fleet',
    at - 3_600_000,
  );
}

/** How a simulated charger reaches CIOP. */
export interface ChargerConnection {
  /** Base URL of CIOP, `ws://host:port`. */
  base: string;
  chargePointId: string;
  /** The machine token of scope `ocpp`, sent as the Basic password. */
  password: string;
  /** Subprotocols offered, default `['ocpp1.6']`. */
  protocols?: string[];
  /** The Basic user, default the charge point id. */
  user?: string;
  /** Certificate authority to trust, for `wss://` through a proxy with its own certificate. */
  ca?: Buffer;
}

/** A refused upgrade: the HTTP status and the problem's body. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`upgrade refused: ${status} ${body}`);
  }
}

/** A CALLERROR received. */
export interface CallError {
  id: string;
  code: string;
  description: string;
  details: unknown;
}

/**
 * A charger speaking OCPP-J over a real WebSocket, as a charge point does: it opens
 * `/ocpp/{id}` with Basic authentication, sends CALLs and waits for their answers.
 */
export class SimulatedCharger {
  private next = 1;
  private readonly waiting = new Map<string, { resolve: (v: unknown) => void; sent: number }>();
  /** Answer times of the CALLs answered, ms. */
  readonly answerMs: number[] = [];
  /** Every CALLERROR received, in order. */
  readonly errors: CallError[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as unknown[];
      const id = String(message[1]);
      if (message[0] === 4)
        this.errors.push({
          id,
          code: String(message[2]),
          description: String(message[3]),
          details: message[4],
        });
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      this.answerMs.push(performance.now() - w.sent);
      w.resolve(message);
    });
  }

  /** Opens the connection; rejects with {@link UpgradeRefused} when CIOP refuses the upgrade. */
  static connect(c: ChargerConnection): Promise<SimulatedCharger> {
    const auth = Buffer.from(`${c.user ?? c.chargePointId}:${c.password}`).toString('base64');
    const socket = new WebSocket(
      `${c.base}/ocpp/${encodeURIComponent(c.chargePointId)}`,
      c.protocols ?? ['ocpp1.6'],
      {
        headers: { authorization: `Basic ${auth}` },
        ...(c.ca ? { ca: c.ca } : {}),
      },
    );
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new SimulatedCharger(socket)));
      socket.once('unexpected-response', (request, response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          request.destroy();
          reject(new UpgradeRefused(response.statusCode ?? 0, body));
        });
      });
      socket.once('error', reject);
    });
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends a raw frame and waits for the answer with `id` (or none, for frames without one). */
  send(frame: string, id: string): Promise<unknown[]> {
    return new Promise((resolve) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, sent: performance.now() });
      this.socket.send(frame);
    });
  }

  /** Sends a CALL; resolves its CALLRESULT payload, or rejects with the CALLERROR. */
  async call<T = Record<string, unknown>>(action: string, payload: unknown): Promise<T> {
    const id = String(this.next++);
    const answer = await this.send(JSON.stringify([2, id, action, payload]), id);
    if (answer[0] === 4)
      throw Object.assign(new Error(`${String(answer[2])}: ${String(answer[3])}`), { code: answer[2] });
    return answer[2] as T;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

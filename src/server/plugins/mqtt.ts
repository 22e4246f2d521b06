import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { hostname } from 'node:os';
import { Aedes, type Client } from 'aedes';
import mqtt, { type IPublishPacket, type ISubscriptionMap, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { SecretVerifier } from '../module.ts';
import { HttpProblem } from './errors.ts';

/**
 * Messages a subscriber stores at once: the broker may send this many before the first is
 * acknowledged (MQTT 5 Receive Maximum), and they are written concurrently, so that one
 * replica keeps up with a gateway fleet although every message waits for a durable write.
 */
const WINDOW = 100;

/** Longest wait between two tries of a write that failed for a reason other than its payload, ms. */
const MAX_RETRY_MS = 30_000;

/** How long a stop waits for the writes under way to end and be acknowledged, ms. */
const STOP_DRAIN_MS = 10_000;

/** Before a stop that must leave nothing behind, how long no message must come, ms… */
const DRAIN_QUIET_MS = 500;
/** …and the longest wait for that, ms. */
const DRAIN_MAX_MS = 60_000;

/**
 * Handed to mqtt.js's message callback so that it reads the next message without sending the
 * PUBACK of this one: that goes out once the message is stored (see `settle`).
 */
const ACK_LATER = new Error('acknowledged once stored');

/** The default client id of a replica: the same at every restart on its host and port. */
export function defaultClientId(port: number): string {
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, '-') || 'host';
  return `ciop-${host}-${port === 0 ? `pid${process.pid}` : port}`;
}

/** A message received and not acknowledged yet, in the order the broker sent it. */
interface Unacknowledged {
  /** Absent for QoS 0. */
  messageId: number | undefined;
  /** The connection it came on: an acknowledgement does not outlive it. */
  connection: number;
  stored: boolean;
  /** False when it must not be acknowledged: the broker sends it again. */
  acknowledge: boolean;
}

/** Where MQTT messages go: the readings module's ingest (payload as JSON or line protocol). */
export interface MqttSink {
  writeMqtt(topic: string, payload: Uint8Array): Promise<unknown>;
}

/**
 * MQTT ingest. With no CIOP_MQTT_URL, CIOP runs its own broker (Aedes, MQTT 3.1.1) and
 * subscribes to it; with one, it subscribes to that broker through an MQTT v5 shared
 * subscription, so that several replicas split the messages, in a persistent session named by
 * the replica's client id. Messages are QoS 1; each PUBACK goes out, in the order the messages
 * came, once the message is stored durably, and a write that fails for any reason but its
 * payload is tried again rather than acknowledged.
 */
/** A PEM file's content; a start that cannot read it names the setting and the file. */
function readPem(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${setting}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The embedded broker's MQTT over TLS listener; a certificate or key that does not load names both settings. */
function tlsServer(certFile: string, keyFile: string, handle: (socket: Socket) => void): Server {
  const cert = readPem(certFile, 'CIOP_MQTT_TLS_CERT');
  const key = readPem(keyFile, 'CIOP_MQTT_TLS_KEY');
  try {
    return createTlsServer({ cert, key }, handle);
  } catch (error) {
    throw new Error(
      `CIOP_MQTT_TLS_CERT (${certFile}) and CIOP_MQTT_TLS_KEY (${keyFile}) are not a PEM certificate and its key: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

export class MqttIngest {
  private constructor(
    private readonly client: MqttClient,
    private readonly broker: Aedes | undefined,
    /** The embedded broker's listeners: plain MQTT, and MQTT over TLS when configured. */
    private readonly servers: Server[],
    /** Ports of the embedded broker, when one runs: plain MQTT, and MQTT over TLS when configured. */
    readonly brokerPort: number | undefined,
    readonly brokerTlsPort: number | undefined,
    private readonly logger: Logger,
    private readonly ingest: MqttSink,
    /** The subscription to leave before a stop, when the session ends with the connection. */
    private readonly leaveOnStop: string | undefined,
    /** Connections of the embedded broker. */
    private readonly brokerClients: Set<Client>,
  ) {}

  /** Whether this replica's subscriber is connected to the broker. */
  get connected(): boolean {
    return this.client.connected;
  }

  /** Devices connected to the embedded broker (none when the broker is external). */
  get deviceConnections(): number {
    return this.brokerClients.size;
  }

  /** Messages stored since start. */
  received = 0;
  /** Messages refused (bad payload), since start. */
  rejected = 0;
  /** Counts connections (and their ends), so that an acknowledgement never goes to a later one. */
  private connection = 0;
  private readonly unacknowledged: Unacknowledged[] = [];
  /** mqtt.js's callback for the next message, held while the window is full. */
  private resume: (() => void) | undefined;
  private stopping = false;
  private drained: (() => void) | undefined;
  /** When the last message came, epoch ms. */
  private lastMessageAt = 0;

  static async start(
    config: Config,
    ingest: MqttSink,
    verify: (secret: string) => ReturnType<SecretVerifier>,
    logger: Logger,
    subscriberSecret: string,
    options: {
      /** Subscribes to revocations of machine tokens: the embedded broker closes their connections. */
      onRevoked?: (listener: (tokenId: number) => void) => void;
    } = {},
  ): Promise<MqttIngest> {
    let broker: Aedes | undefined;
    const brokerClients = new Set<Client>();
    // Connections of the embedded broker by the machine token they authenticated with.
    const byToken = new Map<number, Set<Client>>();
    const servers: Server[] = [];
    let url = config.mqttUrl;
    let brokerPort: number | undefined;
    let brokerTlsPort: number | undefined;
    if (!url) {
      broker = await Aedes.createBroker({
        authenticate: (client, _username, password, done) => {
          const secret = password?.toString('utf8') ?? '';
          verify(secret).then(
            (principal) => {
              const ok =
                principal !== undefined &&
                (principal.scopes.includes('ingest:write') || principal.scopes.includes('admin'));
              if (ok) {
                if (principal.id > 0) {
                  if (!byToken.has(principal.id)) byToken.set(principal.id, new Set());
                  byToken.get(principal.id)!.add(client);
                }
                done(null, true);
              } else done(Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), false);
            },
            (error: Error) => done(Object.assign(error, { returnCode: 3 as const }), false),
          );
        },
      });
      broker.on('client', (client) => brokerClients.add(client));
      broker.on('clientDisconnect', (client) => {
        brokerClients.delete(client);
        for (const clients of byToken.values()) clients.delete(client);
      });
      options.onRevoked?.((tokenId) => {
        for (const client of byToken.get(tokenId) ?? []) client.close();
        byToken.delete(tokenId);
      });
      const listen = async (server: Server, port: number, setting: string) => {
        await new Promise<void>((resolve, reject) => {
          server.once('error', (error) =>
            reject(
              new Error(
                `the embedded MQTT broker cannot listen on port ${port}: ${error.message} (set ${setting})`,
              ),
            ),
          );
          server.listen(port, config.host, () => resolve());
        });
        servers.push(server);
        const address = server.address();
        return typeof address === 'object' && address ? address.port : port;
      };
      // MQTT over TLS beside plain MQTT, when a certificate is configured (read before listening).
      const tls =
        config.mqttTlsCert !== undefined && config.mqttTlsKey !== undefined
          ? tlsServer(config.mqttTlsCert, config.mqttTlsKey, broker.handle)
          : undefined;
      brokerPort = await listen(createServer(broker.handle), config.mqttPort, 'CIOP_MQTT_PORT');
      url = `mqtt://127.0.0.1:${brokerPort}`;
      if (tls) {
        try {
          brokerTlsPort = await listen(tls, config.mqttTlsPort, 'CIOP_MQTT_TLS_PORT');
        } catch (error) {
          for (const server of servers) server.close();
          await new Promise<void>((resolve) => broker!.close(() => resolve()));
          throw error;
        }
        logger.info({ port: brokerTlsPort }, 'embedded MQTT broker listening for MQTT over TLS');
      }
      logger.info({ port: brokerPort }, 'embedded MQTT broker listening');
    }
    const external = broker === undefined;
    const clientId = external
      ? (config.mqttClientId ?? defaultClientId(config.port))
      : `ciop-${process.pid}-${Math.random().toString(16).slice(2, 8)}`;
    if (external && config.mqttClientId === undefined && config.port === 0) {
      logger.warn(
        { clientId },
        'CIOP_PORT is 0, so the MQTT client id is not stable across restarts: set CIOP_MQTT_CLIENT_ID',
      );
    }
    const client = mqtt.connect(url, {
      protocolVersion: external ? 5 : 4,
      clientId,
      // Back quickly after the broker restarts: until this replica subscribes again, a broker that
      // does not restore shared subscriptions (Mosquitto 2.0) drops what gateways publish.
      reconnectPeriod: 500,
      // Otherwise the first packet written fills a table of 65,536 two-byte buffers (about 7 MB
      // of heap, kept for good) to save allocating two bytes per packet id. The setting belongs
      // to mqtt-packet, which the embedded broker writes its packets with too.
      writeCache: false,
      ...(external
        ? {
            // A persistent session: while this replica is away, the broker keeps what it had
            // sent it unacknowledged and queues its share of new messages, and hands them over
            // when a replica with the same client id returns.
            clean: false,
            properties: { sessionExpiryInterval: config.mqttSessionExpiryS, receiveMaximum: WINDOW },
          }
        : // The embedded broker lives and dies with this process: nothing to resume.
          { clean: true, username: 'ciop', password: subscriberSecret }),
    });
    const filter = external ? `$share/${config.mqttShareGroup}/${config.mqttTopic}` : config.mqttTopic;
    // A session that ends with its connection would take what it still holds along with it:
    // such a replica leaves the shared subscription and empties its session before it stops.
    const leaveOnStop = external && config.mqttSessionExpiryS === 0 ? filter : undefined;
    const self = new MqttIngest(
      client,
      broker,
      servers,
      brokerPort,
      brokerTlsPort,
      logger,
      ingest,
      leaveOnStop,
      brokerClients,
    );
    let subscribed = false;
    client.on('connect', (connack) => {
      self.connection++;
      if (external) logger.info({ clientId, resumed: connack.sessionPresent }, 'MQTT session');
      // Subscribe again on every reconnection, even to a session the broker says it kept: a
      // restarted Mosquitto 2.0 restores the session but not its shared subscription, and would
      // otherwise never send this replica another message (mqtt.js does not resubscribe then).
      // (`resubscribe` makes mqtt.js send it although it believes the subscription in place.)
      if (subscribed)
        client.subscribe({ [filter]: { qos: 1 }, resubscribe: true } as ISubscriptionMap, (error) => {
          if (error) logger.error({ err: error, filter }, 'cannot subscribe again after reconnecting');
        });
    });
    client.on('close', () => self.connection++);
    client.on('disconnect', (packet) => {
      // MQTT 5 reason 0x8E: another client connected with this client id.
      if (packet.reasonCode === 0x8e) {
        logger.error(
          { clientId },
          'another MQTT client took over this client id: give each replica its own CIOP_MQTT_CLIENT_ID',
        );
      }
    });
    client.handleMessage = (packet, callback) => self.handle(packet, callback);
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: Error) =>
          reject(new Error(`cannot subscribe to MQTT at ${url}: ${error.message}`));
        const timer = setTimeout(() => fail(new Error('no answer within 10 s')), 10_000);
        client.once('error', fail);
        client.once('connect', () => {
          client.subscribe(filter, { qos: 1 }, (error) => {
            clearTimeout(timer);
            client.off('error', fail);
            if (error) fail(error);
            else {
              subscribed = true;
              resolve();
            }
          });
        });
      });
    } catch (error) {
      await self.stop();
      throw error;
    }
    client.on('error', (error) => logger.warn({ err: error }, 'MQTT client error'));
    logger.info({ url, filter }, 'subscribed to MQTT');
    return self;
  }

  /** Takes one message from mqtt.js: stores it, and asks for the next while the window has room. */
  private handle(packet: IPublishPacket, callback: (error?: Error) => void): void {
    const next = () => callback(ACK_LATER);
    this.lastMessageAt = Date.now();
    if (this.stopping) {
      // Not stored, so not acknowledged: the broker keeps it for this session.
      next();
      return;
    }
    const entry: Unacknowledged = {
      messageId: packet.qos > 0 ? packet.messageId : undefined,
      connection: this.connection,
      stored: false,
      acknowledge: true,
    };
    this.unacknowledged.push(entry);
    void this.store(packet).then((stored) => {
      entry.stored = true;
      entry.acknowledge = stored;
      this.settle();
    });
    if (this.unacknowledged.length < WINDOW) next();
    else this.resume = next;
  }

  /** Acknowledges the stored messages at the head of the line: MQTT wants PUBACKs in order. */
  private settle(): void {
    const line = this.unacknowledged;
    while (line.length > 0 && line[0].stored) {
      const entry = line.shift()!;
      if (
        entry.acknowledge &&
        entry.messageId !== undefined &&
        entry.connection === this.connection &&
        this.client.connected
      ) {
        sendPacket(this.client, { cmd: 'puback', messageId: entry.messageId });
      }
    }
    if (this.resume && line.length < WINDOW && !this.stopping) {
      const resume = this.resume;
      this.resume = undefined;
      resume();
    }
    if (line.length === 0) this.drained?.();
  }

  /**
   * Stores one message. True once it is stored, or refused for its payload (acknowledged, so
   * that a bad message is not sent again and again); false when CIOP stops before it could be.
   */
  private async store(packet: IPublishPacket): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ingest.writeMqtt(packet.topic, packet.payload as Buffer);
        this.received++;
        return true;
      } catch (error) {
        if (error instanceof HttpProblem && error.status < 500) {
          this.rejected++;
          this.logger.warn({ topic: packet.topic, reason: error.message }, 'MQTT message refused');
          return true;
        }
        if (this.stopping) return false;
        const waitMs = Math.min(MAX_RETRY_MS, 500 * 2 ** attempt);
        this.logger.error(
          { topic: packet.topic, err: error, retryInMs: waitMs },
          'MQTT message not stored: trying again, unacknowledged meanwhile',
        );
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  /**
   * Stops taking messages, lets the writes under way end and be acknowledged (what is not
   * stays with the broker, in this replica's session), then disconnects. A replica whose session
   * ends with the connection first leaves the shared subscription and stores what its session
   * still holds; the embedded broker first closes its publishers' connections and CIOP stores
   * what the broker had acknowledged to them.
   */
  async stop(): Promise<void> {
    const serverClosed = Promise.all(
      this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    if (!this.stopping && this.client.connected) {
      if (this.broker) {
        const own = this.client.options.clientId;
        for (const client of this.brokerClients) if (client.id !== own) client.close();
        await this.drain();
      } else if (this.leaveOnStop) {
        try {
          await this.client.unsubscribeAsync(this.leaveOnStop);
          await this.drain();
        } catch (error) {
          this.logger.warn({ err: error }, 'cannot leave the MQTT shared subscription');
        }
      }
    }
    this.stopping = true;
    if (this.unacknowledged.length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_DRAIN_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await Promise.race([
      this.client.endAsync(false),
      new Promise((r) => setTimeout(r, STOP_DRAIN_MS)).then(() => this.client.endAsync(true)),
    ]);
    if (this.broker) await new Promise<void>((resolve) => this.broker!.close(() => resolve()));
    await serverClosed;
  }

  /** Waits until every message that came is stored and none has come for a while. */
  private async drain(): Promise<void> {
    const until = Date.now() + DRAIN_MAX_MS;
    while (Date.now() < until) {
      if (this.unacknowledged.length === 0 && Date.now() - this.lastMessageAt >= DRAIN_QUIET_MS) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    this.logger.warn(`MQTT messages still coming after ${DRAIN_MAX_MS / 1000} s: stopping anyway`);
  }
}

/**
 * Writes a packet on the client's connection. mqtt.js sends a PUBACK only when the message
 * callback is called and reads nothing more until then; sending it here lets CIOP store the
 * next messages while the first ones are still being written.
 */
function sendPacket(client: MqttClient, packet: { cmd: 'puback'; messageId: number }): void {
  (client as unknown as { _sendPacket(packet: object): void })._sendPacket(packet);
}

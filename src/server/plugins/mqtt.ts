import { createServer, type Server } from 'node:net';
import { Aedes, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { SecretVerifier } from '../modules/auth/ingest-token.ts';
import type { IngestService } from '../modules/readings/ingest.service.ts';

/**
 * MQTT ingest. With no CIOP_MQTT_URL, CIOP runs its own broker (Aedes, MQTT 3.1.1) and
 * subscribes to it; with one, it subscribes to that broker through an MQTT v5 shared
 * subscription, so that several replicas split the messages. Messages are QoS 1 and
 * acknowledged only once stored durably.
 */
export class MqttIngest {
  private constructor(
    private readonly client: MqttClient,
    private readonly broker: Aedes | undefined,
    private readonly server: Server | undefined,
    /** Port of the embedded broker, when one runs. */
    readonly brokerPort: number | undefined,
  ) {}

  /** Messages stored since start. */
  received = 0;
  /** Messages refused (bad payload), since start. */
  rejected = 0;

  static async start(
    config: Config,
    ingest: IngestService,
    verify: (secret: string) => ReturnType<SecretVerifier>,
    logger: Logger,
    subscriberSecret: string,
    options: {
      /** Subscribes to revocations of machine tokens: the embedded broker closes their connections. */
      onRevoked?: (listener: (tokenId: number) => void) => void;
    } = {},
  ): Promise<MqttIngest> {
    let broker: Aedes | undefined;
    // Connections of the embedded broker by the machine token they authenticated with.
    const byToken = new Map<number, Set<Client>>();
    let server: Server | undefined;
    let url = config.mqttUrl;
    let brokerPort: number | undefined;
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
      broker.on('clientDisconnect', (client) => {
        for (const clients of byToken.values()) clients.delete(client);
      });
      options.onRevoked?.((tokenId) => {
        for (const client of byToken.get(tokenId) ?? []) client.close();
        byToken.delete(tokenId);
      });
      server = createServer(broker.handle);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', (error) =>
          reject(
            new Error(
              `the embedded MQTT broker cannot listen on port ${config.mqttPort}: ${error.message} (set CIOP_MQTT_PORT)`,
            ),
          ),
        );
        server!.listen(config.mqttPort, config.host, () => resolve());
      });
      const address = server.address();
      brokerPort = typeof address === 'object' && address ? address.port : config.mqttPort;
      url = `mqtt://127.0.0.1:${brokerPort}`;
      logger.info({ port: brokerPort }, 'embedded MQTT broker listening');
    }
    const external = broker === undefined;
    const client = mqtt.connect(url, {
      protocolVersion: external ? 5 : 4,
      clientId: `ciop-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      clean: true,
      reconnectPeriod: 2000,
      ...(external ? {} : { username: 'ciop', password: subscriberSecret }),
    });
    const self = new MqttIngest(client, broker, server, brokerPort);
    // Acknowledge (PUBACK) only after the readings are durable.
    client.handleMessage = (packet, callback) => {
      ingest.writeMqtt(packet.topic, packet.payload as Buffer).then(
        () => {
          self.received++;
          callback();
        },
        (error: Error) => {
          self.rejected++;
          logger.warn({ topic: packet.topic, reason: error.message }, 'MQTT message refused');
          callback();
        },
      );
    };
    const filter = external ? `$share/${config.mqttShareGroup}/${config.mqttTopic}` : config.mqttTopic;
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
            else resolve();
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

  async stop(): Promise<void> {
    await this.client.endAsync(true);
    if (this.broker) await new Promise<void>((resolve) => this.broker!.close(() => resolve()));
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

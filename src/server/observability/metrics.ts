import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How an ingest arrived, as the metrics label it. */
export type IngestProtocol = 'http-line-protocol' | 'http-json' | 'http-csv' | 'mqtt';

/**
 * The instance's metrics in the Prometheus text format: HTTP requests, ingest, the pending log,
 * compactions, jobs, MQTT, the database pool, and the process (memory, event-loop lag). One
 * registry per platform, so several platforms in one process (tests) do not share counters.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Histogram({
    name: 'ciop_http_request_duration_seconds',
    help: 'HTTP requests by method, route (the template, not the URL) and status, with their durations',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly ingestPoints = new Counter({
    name: 'ciop_ingest_points_total',
    help: 'Readings stored, by protocol',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  private readonly ingestBatches = new Counter({
    name: 'ciop_ingest_batches_total',
    help: 'Requests or messages that stored readings, by protocol',
    labelNames: ['protocol'] as const,
    registers: [this.registry],
  });
  private readonly compactions = new Histogram({
    name: 'ciop_compaction_duration_seconds',
    help: 'Compactions of the ingest log into series blocks',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly jobRuns = new Histogram({
    name: 'ciop_job_duration_seconds',
    help: 'Runs of scheduled jobs on this replica, by job and outcome',
    labelNames: ['job', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly jobFailures = new Counter({
    name: 'ciop_job_failures_total',
    help: 'Runs of scheduled jobs that failed, by job',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A value read when the metrics are scraped (the pending log, connections, the pool). */
  gauge(name: string, help: string, read: () => number | undefined): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const value = read();
        if (value !== undefined) this.set(value);
      },
    });
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.observe({ method, route, status: String(status) }, seconds);
  }

  ingested(protocol: IngestProtocol, points: number): void {
    this.ingestBatches.inc({ protocol });
    this.ingestPoints.inc({ protocol }, points);
  }

  compacted(seconds: number): void {
    this.compactions.observe(seconds);
  }

  jobRan(job: string, seconds: number, failed: boolean): void {
    this.jobRuns.observe({ job, outcome: failed ? 'failed' : 'ok' }, seconds);
    if (failed) this.jobFailures.inc({ job });
  }

  /** The text a Prometheus server scrapes. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

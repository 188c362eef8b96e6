import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

import { ExitCode, KbenchError, describeError } from '../errors.js'
import { type Logger, trace } from '../logging.js'
import type { ModeGauges } from '../modes/types.js'

const debug = trace('metrics')

/** The only address the metrics endpoint listens on: benchmarks are not for the network. */
export const METRICS_HOST = '127.0.0.1'

/** Latency buckets in seconds, from half a millisecond to a minute. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]

/** One processed message as the harness reports it, in milliseconds. */
export interface ProcessedSample {
  e2eMs: number
  processingMs: number
  failed: boolean
}

/** The callbacks that feed one mode's series; pass them to `runBenchmark`. */
export interface ModeMetrics {
  onProcessed(sample: ProcessedSample): void
  onGauges(gauges: ModeGauges): void
  onLag(lag: number): void
}

/** A running metrics endpoint. */
export interface MetricsServer {
  /** Where Prometheus scrapes, such as `http://127.0.0.1:9464/metrics`. */
  readonly url: string
  readonly address: { host: string; port: number }
  /** The registry behind the endpoint; private to this server, never prom-client's global one. */
  readonly registry: Registry
  /** The callbacks that label every series with `mode="<name>"`. */
  forMode(name: string): ModeMetrics
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

export interface MetricsServerOptions {
  /** TCP port on 127.0.0.1; 0 lets the system pick a free one. */
  port: number
  logger: Logger
}

function defineMetrics(registry: Registry) {
  const registers = [registry]
  const gauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['mode'] as const, registers })

  return {
    processed: new Counter({
      name: 'kbench_messages_processed_total',
      help: 'Messages processed for the first time, by outcome (failed: skipped after retries).',
      labelNames: ['mode', 'outcome'] as const,
      registers,
    }),
    e2e: new Histogram({
      name: 'kbench_e2e_latency_seconds',
      help: 'From the moment a message was meant to be sent to the end of its processing.',
      labelNames: ['mode'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    processing: new Histogram({
      name: 'kbench_processing_seconds',
      help: 'Time the handler took on one message.',
      labelNames: ['mode'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: gauge('kbench_in_flight', 'Messages being processed right now.'),
    buffered: gauge('kbench_buffered', 'Messages fetched and waiting for a free slot.'),
    lag: gauge(
      'kbench_consumer_lag',
      'Messages produced and not yet processed, sampled each second.',
    ),
    paused: gauge('kbench_paused_partitions', 'Partitions paused because the buffer is full.'),
    restarts: gauge('kbench_worker_restarts', 'Worker processes restarted during the run.'),
  }
}

function listen(server: ReturnType<typeof createServer>, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, METRICS_HOST, () => {
      server.removeListener('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}

function listenFailure(port: number, error: unknown): KbenchError {
  const code = (error as NodeJS.ErrnoException).code
  const where = `${METRICS_HOST}:${port}`
  const suggestions = ['Pass another --metrics-port, or --metrics-port 0 to serve no metrics.']

  if (code === 'EADDRINUSE') {
    return new KbenchError(
      'METRICS_PORT_IN_USE',
      `Cannot serve Prometheus metrics on port ${port}: ${where} is already in use.`,
      { exitCode: ExitCode.Usage, suggestions, cause: error },
    )
  }

  if (code === 'EACCES') {
    return new KbenchError(
      'METRICS_PORT_DENIED',
      `Cannot serve Prometheus metrics on port ${port}: listening on ${where} is not permitted.`,
      { exitCode: ExitCode.Usage, suggestions, cause: error },
    )
  }

  return new KbenchError(
    'METRICS_SERVER_FAILED',
    `Cannot serve Prometheus metrics on ${where}: ${describeError(error)}`,
    { exitCode: ExitCode.Environment, suggestions, cause: error },
  )
}

/**
 * Serves live Prometheus metrics of a benchmark run on 127.0.0.1: messages processed by
 * outcome, end-to-end and processing latency histograms, the gauges a mode publishes, the
 * consumer lag, and Node.js process metrics. Every kbench series carries a `mode` label, so one
 * server covers all the modes of `bench:all`. A port that is taken fails with
 * `METRICS_PORT_IN_USE`.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const metrics = defineMetrics(registry)

  const respond = async (request: IncomingMessage, response: ServerResponse) => {
    const route = new URL(request.url ?? '/', `http://${METRICS_HOST}`).pathname
    if (request.method !== 'GET' || route !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Scrape /metrics\n')
      return
    }

    try {
      const body = await registry.metrics()
      response.writeHead(200, { 'content-type': registry.contentType }).end(body)
    } catch (error) {
      debug('collecting metrics failed: %O', error)
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${describeError(error)}\n`)
    }
  }

  const server = createServer((request, response) => void respond(request, response))
  const address = await listen(server, options.port).catch((error: unknown) => {
    throw listenFailure(options.port, error)
  })
  server.unref()

  const url = `http://${METRICS_HOST}:${address.port}/metrics`
  options.logger.info(`Serving Prometheus metrics at ${url}`)

  return {
    url,
    address: { host: METRICS_HOST, port: address.port },
    registry,

    forMode(mode) {
      metrics.processed.labels(mode, 'ok').inc(0)
      metrics.processed.labels(mode, 'failed').inc(0)

      return {
        onProcessed(sample) {
          metrics.processed.labels(mode, sample.failed ? 'failed' : 'ok').inc()
          metrics.e2e.labels(mode).observe(sample.e2eMs / 1000)
          metrics.processing.labels(mode).observe(sample.processingMs / 1000)
        },
        onGauges(gauges) {
          if (gauges.inFlight !== undefined) metrics.inFlight.labels(mode).set(gauges.inFlight)
          if (gauges.buffered !== undefined) metrics.buffered.labels(mode).set(gauges.buffered)
          if (gauges.pausedPartitions !== undefined)
            metrics.paused.labels(mode).set(gauges.pausedPartitions)
          if (gauges.workerRestarts !== undefined)
            metrics.restarts.labels(mode).set(gauges.workerRestarts)
        },
        onLag(lag) {
          metrics.lag.labels(mode).set(lag)
        },
      }
    },

    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

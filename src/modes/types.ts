import type { Kafka, KafkaMessage } from 'kafkajs'

import type { EngineOptions } from '../engine/options.js'
import type { EngineSummary } from '../engine/parallel-consumer.js'

import type { ConnectionSettings } from '../kafka/client.js'
import type { Logger } from '../logging.js'
import type { ModeFlagSpecs } from './flags.js'
import type { OrderingGuarantee } from '../metrics/verifier.js'
import type { MessageHandler } from '../workload/handler.js'

/**
 * When a mode reports a processed message, it says when the message arrived and when the
 * handler ran, in milliseconds from `performance.now()` in this process.
 */
export interface ProcessedTiming {
  /** When the consumer received the message from Kafka (fetched, before any queueing). */
  receivedAt: number
  /** When the handler started on it. */
  startedAt: number
  /** When the handler finished, as this process saw it. */
  finishedAt: number
}

/** One processed message, as a mode reports it. */
export interface ProcessedMessage {
  topic: string
  partition: number
  message: KafkaMessage
  timing: ProcessedTiming
  /** True when the handler failed for good and the message was skipped (`--on-failure skip`). */
  failed?: boolean
}

/** Gauges a mode may publish for live metrics and the results; all optional. */
export interface ModeGauges {
  inFlight?: number
  buffered?: number
  pausedPartitions?: number
  workerRestarts?: number
}

/** Everything a consumer mode gets for one run. */
export interface ModeContext<F extends Record<string, unknown> = Record<string, unknown>> {
  /** How to reach the cluster (brokers, client id, TLS, SASL). */
  connection: ConnectionSettings
  /** A kafkajs client for `connection`, its logs routed to kbench's debug output. */
  kafka(): Kafka
  topic: string
  groupId: string
  /** The work to apply to every message. */
  handler: MessageHandler
  /** The work as the user wrote it (`noop`, `sleep:2`, `module:./h.js`), for executors in other processes. */
  workSpec: string
  /** The values of the mode's own flags. */
  flags: F
  /** Call once per processed message, after the handler finished. */
  report(processed: ProcessedMessage): void
  /** Call once, when the consumer has joined the group and holds its assignment. */
  joined(): void
  /** Publish gauges; the harness samples them. */
  gauges(values: ModeGauges): void
  /** Aborted when every produced message is processed, on timeout, or on Ctrl-C. */
  signal: AbortSignal
  logger: Logger
  /**
   * Runs the parallel consumer engine on this context with the given executor and options,
   * for modes that want kbench's scheduling, commits and backpressure.
   */
  runEngine(options: EngineOptions): Promise<EngineSummary>
}

/** The processing order a mode promises; the verifier counts breaches of exactly this. */
export type { OrderingGuarantee }

/**
 * A consumer strategy that kbench can benchmark. Bundled modes and modes from installed
 * plugins are defined the same way, with `defineMode`.
 */
export interface ConsumerMode<F extends Record<string, unknown> = Record<string, unknown>> {
  /** Lower-case name, used in `bench:run <name>`, results and reports. */
  name: string
  description: string
  /** What the mode promises about order, given its flags. */
  ordering: OrderingGuarantee | ((flags: F) => OrderingGuarantee)
  /** The mode's own settings, as flags of `bench:run <name>` and keys of `modes.<name>`. */
  flags?: ModeFlagSpecs
  /**
   * Consumes the prepared topic, reporting each processed message, until `context.signal` is
   * aborted; then shuts down cleanly (committing what is done) and returns.
   */
  run(context: ModeContext<F>): Promise<void>
}

/** Declares a consumer mode; returns it unchanged, typed. */
export function defineMode<F extends Record<string, unknown>>(
  mode: ConsumerMode<F>,
): ConsumerMode<F> {
  return mode
}

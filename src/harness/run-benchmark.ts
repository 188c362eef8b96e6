import type { Admin } from 'kafkajs'

import type { EngineOptions } from '../engine/options.js'
import { runParallelConsumer } from '../engine/parallel-consumer.js'
import { ExitCode, KbenchError, describeError } from '../errors.js'
import { type ConnectionSettings, createKafka } from '../kafka/client.js'
import { type Logger, trace } from '../logging.js'
import { LatencyRecorder, loadHistograms } from '../metrics/recorder.js'
import { ResourceSampler } from '../metrics/resources.js'
import { DeliveryVerifier } from '../metrics/verifier.js'
import type { ConsumerMode, ModeContext, ModeGauges, ProcessedMessage } from '../modes/types.js'
import { describeEnvironment } from '../results/environment.js'
import { type BenchResult, type CommitCheck, RESULT_SCHEMA_VERSION } from '../results/result.js'
import { createHandler, parseWorkSpec } from '../workload/work.js'
import { readStamp, toEpoch } from '../workload/message-format.js'
import { produceWorkload, rateMessages } from '../workload/producer.js'
import type { WorkloadSettings } from '../workload/settings.js'

const debug = trace('harness')

export interface BenchmarkOptions {
  mode: ConsumerMode
  modeFlags: Record<string, unknown>
  connection: ConnectionSettings
  topic: string
  groupId: string
  workload: WorkloadSettings
  logger: Logger
  /** Aborted by the caller on Ctrl-C; the run then stops cleanly and reports `complete: false`. */
  signal?: AbortSignal
  /** The broker's version when known (a local cluster), for the result's env. */
  brokerVersion?: string | null
  /** Produce progress, for a progress bar. */
  onProduceProgress?: (acknowledged: number, total: number) => void
  /** Consume progress, about once a second. */
  onConsumeProgress?: (processed: number, total: number) => void
  /** Milliseconds a mode may take to shut down after it is told to stop. */
  shutdownGraceMs?: number
  /** Gauges, as the mode publishes them (live metrics). */
  onGauges?: (gauges: ModeGauges) => void
  /** Each first delivery, after the verifier accepted it (live metrics). */
  onProcessed?: (sample: { e2eMs: number; processingMs: number; failed: boolean }) => void
  /** Consumer lag (produced minus processed), about once a second after the join (live metrics). */
  onLag?: (lag: number) => void
}

type StopReason = 'complete' | 'timeout' | 'interrupted' | 'failed'

/** How long a run that processed everything waits for the group's commits to reach the end. */
const COMMIT_WAIT_MS = 30_000

/**
 * Runs one consumer mode on one workload and measures it: produces the workload (all of it
 * first in the backlog shape, at a fixed rate alongside the consumer in the rate shape), runs
 * the mode until every produced message is processed or the run is stopped, verifies every
 * delivery and the group's committed offsets, and returns the result.
 */
export async function runBenchmark(options: BenchmarkOptions): Promise<BenchResult> {
  const { workload, mode, logger } = options
  const startedAt = new Date()
  const started = performance.now()
  const total = workload.shape === 'rate' ? rateMessages(workload) : workload.messages
  const ordering =
    typeof mode.ordering === 'function' ? mode.ordering(options.modeFlags) : mode.ordering

  const handler = await createHandler(parseWorkSpec(workload.work))
  const verifier = new DeliveryVerifier(total, workload.keys)
  await loadHistograms()
  const recorder = new LatencyRecorder()
  const resources = new ResourceSampler()
  resources.start()

  const stop = new AbortController()
  let stopReason: StopReason | undefined
  let failure: string | undefined
  const finish = (reason: StopReason, why?: string) => {
    if (stopReason) return
    stopReason = reason
    failure = why
    debug('stopping: %s %s', reason, why ?? '')
    stop.abort(reason)
  }

  // Every message processed is not yet the end: messages delivered again after a rebalance
  // must be processed again before the group's commits can reach the end offsets. The mode
  // keeps consuming until they do, or for COMMIT_WAIT_MS at most.
  let settling = false
  const settle = () => {
    if (settling || stopReason) return
    settling = true
    void waitForCommits(options, stop.signal, COMMIT_WAIT_MS).then(() => finish('complete'))
  }

  const onInterrupt = () => finish('interrupted', 'interrupted by a signal')
  options.signal?.addEventListener('abort', onInterrupt, { once: true })
  const timeout = setTimeout(
    () => finish('timeout', `timed out after ${workload.timeoutMs / 1000} s`),
    workload.timeoutMs,
  )

  let produceMs = 0
  let producing: Promise<unknown> = Promise.resolve()
  let productionDone = false
  let joinedAt: number | undefined
  let lastProcessedAt: number | undefined
  let gauges: ModeGauges = {}
  let sampler: NodeJS.Timeout | undefined
  const consumerStarted = { at: 0 }

  const produce = () =>
    produceWorkload({
      connection: options.connection,
      topic: options.topic,
      workload,
      signal: stop.signal,
      onProgress: options.onProduceProgress,
      onAcknowledged: (acknowledged) => verifier.setProduced(acknowledged),
    }).then((summary) => {
      produceMs = summary.durationMs
      productionDone = true
      if (verifier.complete) settle()
    })

  try {
    if (workload.shape === 'backlog') {
      logger.info(`Producing ${total} messages to ${options.topic}`)
      await produce()
      if (stopReason) throw new KbenchError('RUN_STOPPED', failure ?? 'stopped while producing')
    }

    const report = (processed: ProcessedMessage) => {
      const stamp = readStamp(processed.message.key, processed.message.headers)
      const outcome = verifier.record(
        stamp?.id,
        stamp?.keyIndex ?? -1,
        stamp?.sequence ?? 0,
        processed.partition,
        processed.message.offset,
        processed.failed ?? false,
      )
      if (outcome !== 'first') return

      recorder.tick()
      const { timing } = processed
      lastProcessedAt = timing.finishedAt
      const e2eMs =
        toEpoch(timing.finishedAt) - (stamp?.intendedSendTime ?? toEpoch(timing.receivedAt))
      const processingMs = timing.finishedAt - timing.startedAt
      if ((stamp?.id ?? 0) >= workload.warmupMessages) {
        recorder.record(
          e2eMs,
          processingMs,
          timing.startedAt - timing.receivedAt,
          processed.message.value?.length ?? 0,
        )
      }
      options.onProcessed?.({ e2eMs, processingMs, failed: processed.failed ?? false })

      if (productionDone && verifier.complete) settle()
    }

    const context: ModeContext = {
      connection: options.connection,
      kafka: () => createKafka(options.connection),
      topic: options.topic,
      groupId: options.groupId,
      handler,
      workSpec: workload.work,
      flags: options.modeFlags,
      report,
      joined: () => {
        if (joinedAt !== undefined) return
        joinedAt = performance.now()
        logger.info(
          `Mode ${mode.name} joined group ${options.groupId} in ${Math.round(joinedAt - consumerStarted.at)} ms`,
        )
        sampler = setInterval(() => {
          const lag = Math.max(0, verifier.produced - verifier.processed)
          recorder.sample({ lag, ...gauges })
          options.onLag?.(lag)
          options.onConsumeProgress?.(verifier.processed, total)
        }, 1000)
        sampler.unref()
        if (workload.shape === 'rate') producing = produce()
      },
      gauges: (values: ModeGauges) => {
        gauges = { ...gauges, ...values }
        options.onGauges?.(gauges)
      },
      signal: stop.signal,
      logger,
      runEngine: (engineOptions: EngineOptions) => runParallelConsumer(context, engineOptions),
    }

    consumerStarted.at = performance.now()
    const running = mode.run(context).catch((error: unknown) => {
      finish('failed', describeError(error))
      throw error
    })
    running.catch(() => {})

    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve()
      stop.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    await producing.catch((error: unknown) =>
      finish('failed', `producing failed: ${describeError(error)}`),
    )
    await shutdownWithin(running, options.shutdownGraceMs ?? 30_000, mode.name)
  } catch (error) {
    finish('failed', describeError(error))
  } finally {
    clearTimeout(timeout)
    if (sampler) clearInterval(sampler)
    options.signal?.removeEventListener('abort', onInterrupt)
  }

  if (joinedAt !== undefined) {
    recorder.sampleRemainder({
      lag: Math.max(0, verifier.produced - verifier.processed),
      ...gauges,
    })
  }

  const commits = await checkCommits(options).catch((error: unknown) => {
    logger.warn(
      `Could not read the committed offsets of group ${options.groupId}: ${describeError(error)}`,
    )
    return { matchesEndOffsets: false, partitions: [] as CommitCheck[] }
  })

  const counts = verifier.counts(ordering)
  const consumeMs =
    joinedAt !== undefined && lastProcessedAt !== undefined ? lastProcessedAt - joinedAt : 0
  const measured = recorder.summary()
  const series = recorder.series()
  recorder.destroy()
  const usage = resources.stop()
  const complete = stopReason === 'complete' && counts.lost === 0

  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    mode: mode.name,
    complete,
    ...(complete ? {} : { error: failure ?? 'the run stopped before every message was processed' }),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    workload: { ...workload, topic: options.topic, groupId: options.groupId },
    modeSettings: options.modeFlags,
    ordering,
    counts,
    commits,
    throughput: {
      msgsPerSec: consumeMs > 0 ? round((counts.processed / consumeMs) * 1000) : 0,
      mbPerSec: consumeMs > 0 ? round((recorder.bytes / 1024 / 1024 / consumeMs) * 1000, 3) : 0,
    },
    latency: measured,
    timings: {
      produceMs: Math.round(produceMs),
      joinMs: joinedAt !== undefined ? Math.round(joinedAt - consumerStarted.at) : 0,
      consumeMs: Math.round(consumeMs),
      totalMs: Math.round(performance.now() - started),
    },
    resources: {
      ...usage,
      ...(gauges.workerRestarts !== undefined ? { workerRestarts: gauges.workerRestarts } : {}),
    },
    timeseries: series,
    env: await describeEnvironment(options.brokerVersion ?? null),
  }
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

async function shutdownWithin(
  running: Promise<void>,
  graceMs: number,
  mode: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new KbenchError(
            'SHUTDOWN_TIMEOUT',
            `Mode ${mode} did not shut down within ${graceMs / 1000} s`,
            {
              exitCode: ExitCode.RunFailed,
            },
          ),
        ),
      graceMs,
    )
  })

  try {
    await Promise.race([running, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Polls the group's committed offsets until they reach the end offsets, the signal aborts or
 * the wait runs out; the verdict itself comes from checkCommits after the mode stopped.
 */
async function waitForCommits(
  options: BenchmarkOptions,
  signal: AbortSignal,
  waitMs: number,
): Promise<void> {
  const deadline = performance.now() + waitMs
  const admin = createKafka({ ...options.connection, retries: 2 }).admin()

  try {
    await admin.connect()
    while (!signal.aborted && performance.now() < deadline) {
      const commits = await compareCommits(admin, options).catch(() => undefined)
      if (commits?.matchesEndOffsets) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch {
    // An unreachable cluster ends the wait; the final check reports what it finds.
  } finally {
    await admin.disconnect().catch(() => {})
  }
}

type CommitComparison = { matchesEndOffsets: boolean; partitions: CommitCheck[] }

/** Compares the group's committed offsets with the topic's end offsets, with a fresh client. */
async function checkCommits(options: BenchmarkOptions): Promise<CommitComparison> {
  const admin = createKafka({ ...options.connection, retries: 2 }).admin()
  await admin.connect()

  try {
    return await compareCommits(admin, options)
  } finally {
    await admin.disconnect()
  }
}

/** Compares the group's committed offsets with the topic's end offsets. */
async function compareCommits(admin: Admin, options: BenchmarkOptions): Promise<CommitComparison> {
  const ends = await admin.fetchTopicOffsets(options.topic)
  const committed = await admin.fetchOffsets({
    groupId: options.groupId,
    topics: [options.topic],
  })
  const byPartition = new Map(
    (committed[0]?.partitions ?? []).map((entry) => [entry.partition, entry.offset]),
  )
  const partitions = ends
    .map((end) => ({
      partition: end.partition,
      committed: byPartition.get(end.partition) ?? '-1',
      end: end.high,
    }))
    .sort((a, b) => a.partition - b.partition)
  const matches = partitions.every(
    (p) => p.committed === p.end || (p.end === '0' && p.committed === '-1'),
  )

  return { matchesEndOffsets: matches, partitions }
}

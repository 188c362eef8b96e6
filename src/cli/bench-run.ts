import path from 'node:path'

import type { LoadedConfig } from '../config/load.js'
import { ExitCode, KbenchError } from '../errors.js'
import { runBenchmark } from '../harness/run-benchmark.js'
import type { Logger } from '../logging.js'
import { type MetricsServer, startMetricsServer } from '../metrics/prometheus.js'
import type { ConsumerMode } from '../modes/types.js'
import {
  aggregateFileName,
  aggregateRuns,
  type ModeAggregate,
  runFileName,
} from '../results/aggregate.js'
import { type BenchResult, isVerified } from '../results/result.js'
import { createRunDirectory, writeJsonAtomically, writeResult } from '../results/writer.js'
import { type BenchTarget, type BenchTargetFlags, resolveBenchTarget } from './bench-target.js'
import type { ClusterConnection } from './connect.js'
import { progressReporter } from './progress.js'
import { checkWorkSpec } from '../workload/work.js'
import { resolveWorkload, type WorkloadFlagValues } from './workload-flags.js'

export interface BenchRunInput {
  modes: Array<{ mode: ConsumerMode; flags: Record<string, unknown> }>
  flags: BenchTargetFlags &
    WorkloadFlagValues & { 'output-dir'?: string; 'metrics-port'?: number; repeat?: number }
  loaded: LoadedConfig
  cluster: ClusterConnection
  logger: Logger
  /** Resets the target before a mode; bench:all resets before each, single runs rely on the hook. */
  resetBefore?: (target: BenchTarget, mode: ConsumerMode) => Promise<void>
  /** Resets the target before each repeated run after a mode's first; defaults to resetBefore. */
  resetBeforeRepeat?: (target: BenchTarget, mode: ConsumerMode) => Promise<void>
}

export interface BenchRunOutput {
  directory: string
  /** Every run, in run order: a mode's repeats follow one another. */
  results: Array<{ result: BenchResult; file: string }>
  /** With --repeat above 1: one aggregate per mode that ran. */
  aggregates: Array<{ aggregate: ModeAggregate; file: string }>
  interrupted: boolean
}

/**
 * Runs modes one after another on the same workload and writes each result to a new folder
 * under the output directory. Ctrl-C stops the current mode cleanly: its partial result is
 * written with `complete: false` and no further mode starts; a second Ctrl-C exits at once.
 * With `--metrics-port`, live Prometheus metrics of every mode are served until the last ends.
 * With `--repeat N` above 1, each mode runs N times, each run after its own reset, into
 * `<mode>-run<k>.json`, followed by `<mode>.aggregate.json`.
 */
export async function runBenchModes(input: BenchRunInput): Promise<BenchRunOutput> {
  const port = input.flags['metrics-port'] ?? 0
  const metrics = port > 0 ? await startMetricsServer({ port, logger: input.logger }) : undefined

  try {
    return await runModesInTurn(input, metrics)
  } finally {
    await metrics?.close()
  }
}

async function runModesInTurn(
  input: BenchRunInput,
  metrics: MetricsServer | undefined,
): Promise<BenchRunOutput> {
  const { config, filepath } = input.loaded
  const target = resolveBenchTarget(input.flags, config)
  const workload = resolveWorkload(input.flags, config, target.partitions, filepath)
  await checkWorkSpec(workload.work)
  const parent = input.flags['output-dir'] ?? config.results.outputDir
  const directory = await createRunDirectory(path.resolve(parent))

  const interrupt = new AbortController()
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(ExitCode.Interrupted)
    input.logger.warn('Interrupted: stopping the consumer cleanly (Ctrl-C again to quit at once)')
    interrupt.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)

  const repeat = input.flags.repeat ?? 1
  const schedule = input.modes.flatMap((entry) =>
    Array.from({ length: repeat }, (_, index) => ({ ...entry, run: index + 1 })),
  )

  const results: BenchRunOutput['results'] = []
  try {
    for (const { mode, flags, run } of schedule) {
      if (interrupt.signal.aborted) break
      const reset = run === 1 ? input.resetBefore : (input.resetBeforeRepeat ?? input.resetBefore)
      if (reset) await reset(target, mode)

      const label = repeat > 1 ? `${mode.name} run ${run}/${repeat}` : mode.name
      const produceBar = progressReporter(`${label}: producing`)
      const consumeBar = progressReporter(`${label}: consuming`)
      input.logger.info(
        `Running ${label} on ${target.topic} (${target.partitions} partitions), work ${workload.work}`,
      )

      const live = metrics?.forMode(mode.name)
      const result = await runBenchmark({
        mode,
        modeFlags: flags,
        connection: input.cluster.connection,
        topic: target.topic,
        groupId: target.groupId,
        workload,
        logger: input.logger,
        signal: interrupt.signal,
        brokerVersion: input.cluster.kafkaVersion ?? null,
        onProduceProgress: (done, total) => produceBar.update(done, total),
        onConsumeProgress: (done, total) => {
          produceBar.stop()
          consumeBar.update(done, total)
        },
        onProcessed: live?.onProcessed,
        onGauges: live?.onGauges,
        onLag: live?.onLag,
      })
      produceBar.stop()
      consumeBar.stop()

      const file = await writeResult(
        directory,
        result,
        repeat > 1 ? runFileName(result.mode, run) : undefined,
      )
      results.push({ result, file })
    }
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }

  const aggregates = repeat > 1 ? await writeAggregates(directory, results) : []

  return { directory, results, aggregates, interrupted: interrupt.signal.aborted }
}

/** Writes `<mode>.aggregate.json` for each mode among the runs, in the order the modes ran. */
async function writeAggregates(
  directory: string,
  results: BenchRunOutput['results'],
): Promise<BenchRunOutput['aggregates']> {
  const modes = [...new Set(results.map(({ result }) => result.mode))]
  const aggregates: BenchRunOutput['aggregates'] = []

  for (const mode of modes) {
    const aggregate = aggregateRuns(results.filter(({ result }) => result.mode === mode))
    const file = path.join(directory, aggregateFileName(mode))
    await writeJsonAtomically(file, aggregate)
    aggregates.push({ aggregate, file })
  }

  return aggregates
}

/** The error a run ends with when any mode was incomplete or failed verification. */
export function verificationFailure(output: BenchRunOutput): KbenchError | undefined {
  if (output.interrupted) {
    return new KbenchError('INTERRUPTED', `Interrupted; partial results in ${output.directory}.`, {
      exitCode: ExitCode.Interrupted,
    })
  }

  const failed = output.results.filter(({ result }) => !isVerified(result))
  if (failed.length === 0) return undefined

  const reasons = failed.map(({ result }) => {
    const problems = [
      result.complete ? undefined : (result.error ?? 'incomplete'),
      result.counts.lost > 0 ? `${result.counts.lost} lost` : undefined,
      result.counts.orderViolations > 0
        ? `${result.counts.orderViolations} ordering violations`
        : undefined,
      result.commits.matchesEndOffsets ? undefined : 'committed offsets short of the end offsets',
    ].filter(Boolean)
    return `${result.mode}: ${problems.join(', ')}`
  })

  return new KbenchError(
    'RUN_FAILED',
    `The run failed verification: ${reasons.join('; ')}. Results in ${output.directory}.`,
    {
      exitCode: ExitCode.RunFailed,
      suggestions: [
        'Read the result files for the counts, and the --verbose output for the cause.',
      ],
    },
  )
}

import path from 'node:path'

import type { LoadedConfig } from '../config/load.js'
import { ExitCode, KbenchError } from '../errors.js'
import { runBenchmark } from '../harness/run-benchmark.js'
import type { Logger } from '../logging.js'
import { type MetricsServer, startMetricsServer } from '../metrics/prometheus.js'
import type { ConsumerMode } from '../modes/types.js'
import type { BenchResult } from '../results/result.js'
import { createRunDirectory, writeResult } from '../results/writer.js'
import { type BenchTarget, type BenchTargetFlags, resolveBenchTarget } from './bench-target.js'
import type { ClusterConnection } from './connect.js'
import { progressReporter } from './progress.js'
import { resolveWorkload, type WorkloadFlagValues } from './workload-flags.js'

export interface BenchRunInput {
  modes: Array<{ mode: ConsumerMode; flags: Record<string, unknown> }>
  flags: BenchTargetFlags & WorkloadFlagValues & { 'output-dir'?: string; 'metrics-port'?: number }
  loaded: LoadedConfig
  cluster: ClusterConnection
  logger: Logger
  /** Resets the target before a mode; bench:all resets before each, single runs rely on the hook. */
  resetBefore?: (target: BenchTarget, mode: ConsumerMode) => Promise<void>
}

export interface BenchRunOutput {
  directory: string
  results: Array<{ result: BenchResult; file: string }>
  interrupted: boolean
}

/**
 * Runs modes one after another on the same workload and writes each result to a new folder
 * under the output directory. Ctrl-C stops the current mode cleanly: its partial result is
 * written with `complete: false` and no further mode starts; a second Ctrl-C exits at once.
 * With `--metrics-port`, live Prometheus metrics of every mode are served until the last ends.
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

  const results: BenchRunOutput['results'] = []
  try {
    for (const { mode, flags } of input.modes) {
      if (interrupt.signal.aborted) break
      if (input.resetBefore) await input.resetBefore(target, mode)

      const produceBar = progressReporter(`${mode.name}: producing`)
      const consumeBar = progressReporter(`${mode.name}: consuming`)
      input.logger.info(
        `Running ${mode.name} on ${target.topic} (${target.partitions} partitions), work ${workload.work}`,
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

      const file = await writeResult(directory, result)
      results.push({ result, file })
    }
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }

  return { directory, results, interrupted: interrupt.signal.aborted }
}

/** The error a run ends with when any mode was incomplete or failed verification. */
export function verificationFailure(output: BenchRunOutput): KbenchError | undefined {
  if (output.interrupted) {
    return new KbenchError('INTERRUPTED', `Interrupted; partial results in ${output.directory}.`, {
      exitCode: ExitCode.Interrupted,
    })
  }

  const failed = output.results.filter(
    ({ result }) =>
      !result.complete ||
      result.counts.lost > 0 ||
      result.counts.orderViolations > 0 ||
      !result.commits.matchesEndOffsets,
  )
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

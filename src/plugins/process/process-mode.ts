import os from 'node:os'

import { createProcessPool } from '../../engine/executors/process-pool.js'
import { ENGINE_DEFAULTS, ENGINE_FLAGS, engineOptionsFromFlags } from '../../engine/options.js'
import { runParallelConsumer } from '../../engine/parallel-consumer.js'
import type { Ordering } from '../../engine/scheduler.js'
import type { ModeFlagSpecs } from '../../modes/flags.js'
import { defineMode } from '../../modes/types.js'

const workers = os.availableParallelism()

/** The process mode's settings: the engine's, plus the pool's. */
export const PROCESS_MODE_FLAGS = {
  ...ENGINE_FLAGS,
  concurrency: {
    ...ENGINE_FLAGS.concurrency,
    summary:
      'Messages in flight across all workers; enough to fill IPC batches, lower it for latency.',
    default: workers * 128,
  },
  workers: {
    kind: 'integer',
    summary: 'Worker processes that run the handler.',
    default: workers,
    min: 1,
    max: 256,
  },
  'batch-size': {
    kind: 'integer',
    summary: 'Most messages sent to a worker in one IPC message.',
    default: 64,
    min: 1,
  },
  'batch-wait': {
    kind: 'duration',
    summary:
      'Longest a message waits for its batch while every worker is busy; an idle worker gets it at once.',
    default: 2,
  },
  'task-timeout': {
    kind: 'duration',
    summary:
      'A handler running longer fails; its worker is killed and replaced, and the message is retried.',
    default: 30_000,
  },
} satisfies ModeFlagSpecs

/**
 * The process mode: the parallel consumer engine in this process fetches, schedules and
 * commits; a pool of child processes runs the handler, so CPU-bound work uses every core.
 * Latency is measured here, from dispatch to the completion this process receives.
 */
export const processMode = defineMode({
  name: 'process',
  description: 'The parallel consumer engine with the handler run in a pool of child processes.',
  ordering: (flags) => (flags.ordering as Ordering | undefined) ?? ENGINE_DEFAULTS.ordering,
  flags: PROCESS_MODE_FLAGS,
  async run(context) {
    const pool = await createProcessPool({
      workSpec: context.workSpec,
      workers: context.flags.workers as number | undefined,
      batchSize: context.flags['batch-size'] as number | undefined,
      batchWaitMs: context.flags['batch-wait'] as number | undefined,
      taskTimeoutMs: context.flags['task-timeout'] as number | undefined,
      logger: context.logger,
    })

    const publishRestarts = setInterval(
      () => context.gauges({ workerRestarts: pool.stats().workerRestarts }),
      500,
    )
    try {
      await runParallelConsumer(
        context,
        engineOptionsFromFlags(context.flags, pool, { concurrency: workers * 128 }),
      )
    } finally {
      clearInterval(publishRestarts)
      context.gauges({ workerRestarts: pool.stats().workerRestarts })
      await pool.close()
    }
  },
})

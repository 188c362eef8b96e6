import { createAsyncExecutor } from '../../engine/executors/async-executor.js'
import { engineOptionsFromFlags, ENGINE_DEFAULTS, ENGINE_FLAGS } from '../../engine/options.js'
import { type EngineSummary, runParallelConsumer } from '../../engine/parallel-consumer.js'
import type { ModeContext } from '../../modes/types.js'

/** The async mode's name, as `kbench bench:async` and the results know it. */
export const ASYNC_MODE_NAME = 'async'

/** The one-line description `kbench bench:async --help` and the plugin registry show. */
export const ASYNC_MODE_DESCRIPTION =
  'The parallel consumer engine with the handler run concurrently on this event loop.'

/** The async mode's own flags, as plain data: the engine's flags with the async defaults. */
export const ASYNC_MODE_FLAGS = ENGINE_FLAGS

/** The engine options the async mode sets itself when its flags leave them out. */
export const ASYNC_MODE_DEFAULTS = { concurrency: ENGINE_DEFAULTS.concurrency } as const

/**
 * Runs the async mode: the context's handler in this process, dispatched by the parallel
 * consumer engine with the options the mode's flags give.
 */
export function runAsyncMode(context: ModeContext): Promise<EngineSummary> {
  const executor = createAsyncExecutor(context.handler)
  const options = engineOptionsFromFlags(context.flags, executor, ASYNC_MODE_DEFAULTS)

  return runParallelConsumer(context, options)
}

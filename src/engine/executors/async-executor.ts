import type { MessageHandler, HandlerMessage } from '../../workload/handler.js'
import type { ExecutionTiming, Executor } from '../executor.js'

/**
 * An executor that runs the handler in this process, on this event loop. Parallelism comes
 * from handlers that wait (I/O, timers); a handler that burns CPU runs one at a time.
 */
export function createAsyncExecutor(handler: MessageHandler): Executor {
  return {
    async execute(message: HandlerMessage): Promise<ExecutionTiming> {
      const startedAt = performance.now()
      await handler(message)

      return { startedAt, finishedAt: performance.now() }
    },

    async close(): Promise<void> {},
  }
}

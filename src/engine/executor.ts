import type { HandlerMessage } from '../workload/handler.js'

/** When the work on one message ran, in `performance.now()` milliseconds of this process. */
export interface ExecutionTiming {
  startedAt: number
  finishedAt: number
}

/**
 * Runs the handler on messages that the engine dispatches. The engine never has more than
 * its concurrency limit of `execute` calls pending. An executor in another process measures
 * both times here, in the parent, so that a stuck worker cannot hide its own delay.
 */
export interface Executor {
  /** Resolves when the handler finished; rejects with the handler's error or a timeout. */
  execute(message: HandlerMessage): Promise<ExecutionTiming>
  /** Counters an executor may expose, such as worker restarts. */
  stats?(): { workerRestarts?: number; redispatched?: number }
  /** Finishes or abandons pending work within its bound and releases every resource. */
  close(): Promise<void>
}

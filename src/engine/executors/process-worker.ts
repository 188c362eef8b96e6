/**
 * The entry point of a process-pool worker: a child process that builds the `--work` handler
 * once, then runs the batches its parent sends and reports which messages completed. It
 * measures nothing; the parent times every message from its own clock.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'

import { isKbenchError, describeError, ExitCode } from '../../errors.js'
import type { HandlerMessage, MessageHandler } from '../../workload/handler.js'
import {
  calibrateCpuWork,
  createHandler,
  parseWorkSpec,
  useCpuCalibration,
} from '../../workload/work.js'
import type {
  ParentMessage,
  WireMessage,
  WorkerInit,
  WorkerInitFailed,
  WorkerMessage,
} from './process-protocol.js'

/** Completions are sent at once unless one went out less than this long ago. */
const REPORT_INTERVAL_MS = 1

let handler: MessageHandler | undefined
let okIds: number[] = []
let failures: Array<[number, string, string]> = []
let lastReportAt = -Infinity
let reportTimer: NodeJS.Timeout | undefined

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(message)
}

function report(): void {
  if (reportTimer) clearTimeout(reportTimer)
  reportTimer = undefined

  if (okIds.length === 0 && failures.length === 0) return

  send({ type: 'done', ok: okIds, failed: failures })
  okIds = []
  failures = []
  lastReportAt = performance.now()
}

/**
 * Records a completion. A worker that has been quiet reports it at once, so a lone message
 * is never held back; a busy one gathers the completions of about a millisecond into one
 * report, so a fast handler does not pay one IPC message per message.
 */
function complete(id: number, error?: unknown): void {
  if (error === undefined) okIds.push(id)
  else failures.push([id, error instanceof Error ? error.name : 'Error', describeError(error)])

  if (performance.now() - lastReportAt >= REPORT_INTERVAL_MS) report()
  else reportTimer ??= setTimeout(report, REPORT_INTERVAL_MS)
}

function toHandlerMessage(wire: WireMessage): HandlerMessage {
  const [, topic, partition, offset, key, value, headers] = wire

  return { topic, partition, offset, key, value, headers: headers ?? {} }
}

/**
 * Runs a batch in order. A synchronous handler runs back to back; after an asynchronous one
 * starts, the loop yields once, so that its completion is reported when it happens rather
 * than after the whole batch, and several asynchronous handlers can wait at the same time.
 */
async function runBatch(run: MessageHandler, messages: WireMessage[]): Promise<void> {
  for (const wire of messages) {
    const id = wire[0]

    let result: Promise<void> | void
    try {
      result = run(toHandlerMessage(wire))
    } catch (error) {
      complete(id, error ?? new Error('The handler threw without a reason'))
      continue
    }

    if (result && typeof result.then === 'function') {
      result.then(
        () => complete(id),
        (error: unknown) =>
          complete(id, error ?? new Error('The handler rejected without a reason')),
      )
      await yieldToEventLoop()
    } else {
      complete(id)
    }
  }

  report()
}

function initFailure(error: unknown): WorkerInitFailed {
  if (isKbenchError(error)) {
    return {
      type: 'init-failed',
      code: error.code,
      message: error.message,
      exitCode: error.exitCode,
      suggestions: error.suggestions,
    }
  }

  return {
    type: 'init-failed',
    code: 'WORKER_START_FAILED',
    message: `A worker process could not build its handler: ${describeError(error)}`,
    exitCode: ExitCode.Unexpected,
    suggestions: [],
  }
}

async function init(message: WorkerInit): Promise<void> {
  try {
    // Calibrating here warms the busy loop up before the first message; the parent's figure
    // then replaces this one, so that every process does the same work for cpu:<ms>.
    if (message.iterationsPerMs !== undefined) {
      calibrateCpuWork()
      useCpuCalibration(message.iterationsPerMs)
    }
    handler = await createHandler(parseWorkSpec(message.workSpec), message.cwd)
    send({ type: 'ready' })
  } catch (error) {
    send(initFailure(error))
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'init') {
    void init(message)
    return
  }

  if (handler) void runBatch(handler, message.messages)
})

// The parent owns the pool: it closes the channel to end a worker, and a worker whose parent
// died sees the channel close too. Ctrl-C reaches the whole process group; the parent decides.
process.on('disconnect', () => process.exit(0))
process.on('SIGINT', () => {})

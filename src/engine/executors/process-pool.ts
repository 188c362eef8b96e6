import { type ChildProcess, fork } from 'node:child_process'
import os from 'node:os'
import { createInterface } from 'node:readline'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { ExitCode, KbenchError, type ExitCodeValue } from '../../errors.js'
import { type Logger, silentLogger, trace } from '../../logging.js'
import type { HandlerMessage } from '../../workload/handler.js'
import { calibrateCpuWork, parseWorkSpec } from '../../workload/work.js'
import type { ExecutionTiming, Executor } from '../executor.js'
import type { WireMessage, WorkerBatch, WorkerInit, WorkerMessage } from './process-protocol.js'

const debug = trace('process-pool')

/** Settings of a process pool. Only `workSpec` is required. */
export interface ProcessPoolOptions {
  /** The `--work` text; every worker builds its own handler from it. */
  workSpec: string
  /** How many worker processes run handlers. Default: `os.availableParallelism()`. */
  workers?: number
  /** The most messages sent to a worker in one IPC message. Default: 64. */
  batchSize?: number
  /** The longest a message waits for its batch to fill while every worker is busy. Default: 2 ms. */
  batchWaitMs?: number
  /** A handler still running after this long has its worker killed and fails. Default: 30 s. */
  taskTimeoutMs?: number
  /** How often a message may be in a crashing worker and still be dispatched again. Default: 3. */
  maxRedispatches?: number
  /** How long a worker may take to load the handler. Default: 30 s. */
  startTimeoutMs?: number
  /** How long `close()` lets dispatched work finish before it abandons it. Default: 5 s. */
  closeTimeoutMs?: number
  /** Where restarts, timeouts and the workers' own output are reported. */
  logger?: Logger
}

/** The counters a process pool keeps; the engine publishes them with its results. */
export interface ProcessPoolStats {
  /** Workers that died (a crash, or a kill after a timeout) and were replaced. */
  workerRestarts: number
  /** Messages sent to a worker again because the one holding them died. */
  redispatched: number
}

/** An executor that runs the handler in a pool of child processes. */
export interface ProcessPoolExecutor extends Executor {
  stats(): ProcessPoolStats
  /** The process ids of the workers alive now. */
  pids(): number[]
}

/** How a worker process holds up: its channel, its messages in flight, its stall clock. */
interface WorkerSlot {
  child: ChildProcess
  pid: number
  ready: boolean
  /** In dispatch order, so the first entry is the oldest message still running. */
  inFlight: Map<number, Task>
  /** When the oldest message in flight became the oldest: its timeout counts from here. */
  headSince: number
  timeoutTimer: NodeJS.Timeout | undefined
  /** Set when the pool killed this worker because `task` ran out of time. */
  timedOut: Task | undefined
  /** Set when the worker reported that it cannot load the handler. */
  startFailed: boolean
  exited: Promise<void>
  started: Deferred<void>
}

interface Task {
  wire: WireMessage
  resolve(timing: ExecutionTiming): void
  reject(error: Error): void
  /** When the message first went to a worker; a redispatch keeps it, so a crash costs time. */
  dispatchedAt: number
  crashes: number
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(error: Error): void
}

function defer<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: Error) => void
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })

  return { promise, resolve, reject }
}

/** Whether the process exits within `ms`. */
async function exitsWithin(slot: WorkerSlot, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })

  const exited = await Promise.race([slot.exited.then(() => true as const), deadline])
  clearTimeout(timer)

  return exited
}

/**
 * The worker entry: the TypeScript source under tsx when this module runs from source (tests,
 * `bin/dev.js`), the compiled file under plain node otherwise. tsx is resolved here, so the
 * worker finds it whatever the user's working directory.
 */
function workerEntry(): { file: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts')
  const file = fileURLToPath(
    new URL(fromSource ? './process-worker.ts' : './process-worker.js', import.meta.url),
  )

  if (!fromSource) return { file, execArgv: [] }

  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return { file, execArgv: ['--import', tsx] }
}

function describeWire(wire: WireMessage): string {
  return `topic ${wire[1]} partition ${wire[2]} offset ${wire[3]}`
}

function invalidOption(name: string, value: number, rule: string): KbenchError {
  return new KbenchError(
    'INVALID_POOL_OPTION',
    `The process pool's ${name} is ${value}: ${rule}.`,
    {
      exitCode: ExitCode.Usage,
    },
  )
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw invalidOption(name, value, `it must be a whole number of at least ${min}`)

  return value
}

function duration(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw invalidOption(name, value, `it must be a number of milliseconds of at least ${min}`)

  return value
}

/** Every live pool, so that an exiting parent can kill the workers it would otherwise orphan. */
const livePools = new Set<ProcessPool>()

function killEveryWorkerNow(): void {
  for (const pool of livePools) pool.killNow()
}

/**
 * On SIGINT or SIGTERM that nothing else handles, the process is about to die without
 * running its exit listeners: the workers are killed first, then the signal is raised again
 * with its default action. When the application handles the signal itself, it closes its
 * pools, and the exit listener still covers a `process.exit()`.
 */
function onTerminatingSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return

  killEveryWorkerNow()
  uninstallProcessListeners()
  process.kill(process.pid, signal)
}

function installProcessListeners(): void {
  process.on('exit', killEveryWorkerNow)
  process.on('SIGINT', onTerminatingSignal)
  process.on('SIGTERM', onTerminatingSignal)
}

function uninstallProcessListeners(): void {
  process.removeListener('exit', killEveryWorkerNow)
  process.removeListener('SIGINT', onTerminatingSignal)
  process.removeListener('SIGTERM', onTerminatingSignal)
}

function register(pool: ProcessPool): void {
  if (livePools.size === 0) installProcessListeners()
  livePools.add(pool)
}

function unregister(pool: ProcessPool): void {
  if (!livePools.delete(pool)) return
  if (livePools.size === 0) uninstallProcessListeners()
}

class ProcessPool implements ProcessPoolExecutor {
  readonly #workSpec: string
  readonly #iterationsPerMs: number | undefined
  readonly #size: number
  readonly #batchSize: number
  readonly #batchWaitMs: number
  readonly #taskTimeoutMs: number
  readonly #maxRedispatches: number
  readonly #startTimeoutMs: number
  readonly #closeTimeoutMs: number
  readonly #logger: Logger
  readonly #entry = workerEntry()

  readonly #slots: WorkerSlot[] = []
  readonly #pending: Task[] = []
  #nextId = 0
  #unsettled = 0
  #drained: Deferred<void> | undefined
  #batchTimer: NodeJS.Timeout | undefined
  #flushScheduled = false
  #accepting = true
  /** Set once the start succeeded: from then on, a worker that fails to load is replaced. */
  #running = false
  #stopping = false
  #closed: Promise<void> | undefined
  #failure: KbenchError | undefined
  #workerRestarts = 0
  #redispatched = 0

  constructor(options: Required<Omit<ProcessPoolOptions, 'logger'>> & { logger: Logger }) {
    this.#workSpec = options.workSpec
    this.#size = options.workers
    this.#batchSize = options.batchSize
    this.#batchWaitMs = options.batchWaitMs
    this.#taskTimeoutMs = options.taskTimeoutMs
    this.#maxRedispatches = options.maxRedispatches
    this.#startTimeoutMs = options.startTimeoutMs
    this.#closeTimeoutMs = options.closeTimeoutMs
    this.#logger = options.logger

    const spec = parseWorkSpec(options.workSpec)
    this.#iterationsPerMs = spec.kind === 'cpu' ? calibrateCpuWork() : undefined
  }

  /** Starts every worker and waits until each has built its handler. */
  async start(): Promise<void> {
    register(this)

    const slots = Array.from({ length: this.#size }, () => this.#spawn())
    try {
      await this.#waitForStart(slots)
    } catch (error) {
      this.#stopping = true
      await this.close()
      throw error
    }

    this.#running = true
    debug('started %d workers: %o', slots.length, this.pids())
  }

  execute(message: HandlerMessage): Promise<ExecutionTiming> {
    if (this.#failure) return Promise.reject(this.#failure)
    if (!this.#accepting) {
      const what = `topic ${message.topic} partition ${message.partition} offset ${message.offset}`
      return Promise.reject(this.#closedError(what))
    }

    const { promise, resolve, reject } = defer<ExecutionTiming>()
    const headers = hasAny(message.headers) ? message.headers : null
    const wire: WireMessage = [
      ++this.#nextId,
      message.topic,
      message.partition,
      message.offset,
      message.key,
      message.value,
      headers,
    ]

    this.#pending.push({ wire, resolve, reject, dispatchedAt: 0, crashes: 0 })
    this.#unsettled++

    if (this.#pending.length >= this.#batchSize) this.#flush()
    else if (this.#slots.some((slot) => slot.ready && slot.inFlight.size === 0))
      this.#scheduleFlush()
    else this.#batchTimer ??= setTimeout(() => this.#flush(), this.#batchWaitMs)

    return promise
  }

  stats(): ProcessPoolStats {
    return { workerRestarts: this.#workerRestarts, redispatched: this.#redispatched }
  }

  pids(): number[] {
    return this.#slots.map((slot) => slot.pid)
  }

  /**
   * Lets dispatched and queued work finish for up to `closeTimeoutMs`, rejects what is left,
   * then closes each worker's channel (a worker exits when it closes) and kills a worker that
   * is still there a second later. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown()

    return this.#closed
  }

  /** Kills every worker at once, without waiting: for a parent that is exiting. */
  killNow(): void {
    this.#stopping = true
    for (const slot of this.#slots) slot.child.kill('SIGKILL')
  }

  async #shutdown(): Promise<void> {
    this.#accepting = false
    this.#flush()

    if (this.#unsettled > 0 && !this.#stopping) {
      this.#drained = defer()
      let timer: NodeJS.Timeout | undefined
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#closeTimeoutMs)
      })
      await Promise.race([this.#drained.promise, deadline])
      clearTimeout(timer)
    }

    this.#stopping = true
    if (this.#batchTimer) clearTimeout(this.#batchTimer)
    this.#batchTimer = undefined

    const abandon = (task: Task) => this.#fail(task, this.#closedError(describeWire(task.wire)))
    for (const task of this.#pending.splice(0)) abandon(task)
    for (const slot of this.#slots) {
      for (const task of slot.inFlight.values()) abandon(task)
      slot.inFlight.clear()
    }

    await Promise.all(this.#slots.map((slot) => this.#stopWorker(slot)))
    unregister(this)
    debug('closed')
  }

  async #stopWorker(slot: WorkerSlot): Promise<void> {
    if (slot.timeoutTimer) clearTimeout(slot.timeoutTimer)
    if (slot.child.connected) slot.child.disconnect()
    if (await exitsWithin(slot, 1000)) return

    this.#logger.warn(`process pool: worker ${slot.pid} did not exit when closed; killing it`)
    slot.child.kill('SIGKILL')
    await slot.exited
  }

  #closedError(what: string): KbenchError {
    return new KbenchError('POOL_CLOSED', `The process pool is closed: ${what} was not handled.`, {
      exitCode: ExitCode.RunFailed,
    })
  }

  #spawn(): WorkerSlot {
    const child = fork(this.#entry.file, [], {
      execArgv: this.#entry.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })

    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      if (child.pid === undefined) child.once('error', () => resolve())
    })
    const slot: WorkerSlot = {
      child,
      pid: child.pid ?? -1,
      ready: false,
      inFlight: new Map(),
      headSince: 0,
      timeoutTimer: undefined,
      timedOut: undefined,
      startFailed: false,
      exited,
      started: defer(),
    }
    slot.started.promise.catch(() => {})
    this.#slots.push(slot)

    this.#forwardOutput(slot)
    child.on('message', (message: WorkerMessage) => this.#onMessage(slot, message))
    child.on('error', (error) => debug('worker %d: %s', slot.pid, error.message))
    child.once('exit', (code, signal) => this.#onExit(slot, code, signal))

    const init: WorkerInit = {
      type: 'init',
      workSpec: this.#workSpec,
      cwd: process.cwd(),
      iterationsPerMs: this.#iterationsPerMs,
    }
    child.send(init)

    return slot
  }

  /** A handler's own output must not mix with kbench's results on stdout: it goes to the logger. */
  #forwardOutput(slot: WorkerSlot): void {
    const { stdout, stderr } = slot.child
    if (stdout)
      createInterface({ input: stdout }).on('line', (line) =>
        this.#logger.debug(`worker ${slot.pid}: ${line}`),
      )
    if (stderr)
      createInterface({ input: stderr }).on('line', (line) =>
        this.#logger.warn(`worker ${slot.pid}: ${line}`),
      )
  }

  async #waitForStart(slots: WorkerSlot[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KbenchError(
              'WORKER_START_FAILED',
              `The process pool's workers did not load --work ${this.#workSpec} within ${this.#startTimeoutMs} ms.`,
              { exitCode: ExitCode.Unexpected },
            ),
          ),
        this.#startTimeoutMs,
      )
    })

    try {
      await Promise.race([Promise.all(slots.map((slot) => slot.started.promise)), deadline])
    } finally {
      clearTimeout(timer)
    }
  }

  #onMessage(slot: WorkerSlot, message: WorkerMessage): void {
    if (message.type === 'done') {
      const now = performance.now()
      for (const id of message.ok) this.#settle(slot, id, now)
      for (const [id, name, text] of message.failed) {
        const error = new Error(text)
        error.name = name
        this.#settle(slot, id, now, error)
      }

      if (slot.inFlight.size === 0 && this.#pending.length > 0) this.#scheduleFlush()
      return
    }

    if (message.type === 'ready') {
      slot.ready = true
      slot.started.resolve()
      debug('worker %d ready', slot.pid)
      if (this.#pending.length > 0) this.#scheduleFlush()
      return
    }

    const error = new KbenchError(message.code, message.message, {
      exitCode: message.exitCode as ExitCodeValue,
      suggestions: message.suggestions,
    })
    slot.startFailed = true
    slot.started.reject(error)
    this.#onStartFailure(slot, error)
    slot.child.kill('SIGKILL')
  }

  #settle(slot: WorkerSlot, id: number, now: number, error?: Error): void {
    const task = slot.inFlight.get(id)
    if (!task) return

    if (slot.inFlight.keys().next().value === id) slot.headSince = now
    slot.inFlight.delete(id)

    if (error) this.#fail(task, error)
    else {
      task.resolve({ startedAt: task.dispatchedAt, finishedAt: now })
      this.#settled()
    }
  }

  #fail(task: Task, error: Error): void {
    task.reject(error)
    this.#settled()
  }

  #settled(): void {
    this.#unsettled--
    if (this.#unsettled === 0) this.#drained?.resolve()
  }

  /** Sends on the next turn of the event loop, after the callers of this turn have queued. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return

    this.#flushScheduled = true
    setImmediate(() => {
      this.#flushScheduled = false
      this.#flush()
    })
  }

  /**
   * Sends every queued message: each to the worker with the fewest messages in flight at that
   * moment, so that a burst spreads evenly, in IPC messages of at most `batchSize`.
   */
  #flush(): void {
    if (this.#batchTimer) clearTimeout(this.#batchTimer)
    this.#batchTimer = undefined

    const ready = this.#slots.filter((slot) => slot.ready)
    if (ready.length === 0 || this.#pending.length === 0) return

    const now = performance.now()
    const outgoing = new Map<WorkerSlot, WireMessage[]>()
    for (const task of this.#pending.splice(0)) {
      let target = ready[0] as WorkerSlot
      for (const slot of ready) if (slot.inFlight.size < target.inFlight.size) target = slot

      if (target.inFlight.size === 0) this.#startStallClock(target, now)
      target.inFlight.set(task.wire[0], task)
      if (task.dispatchedAt === 0) task.dispatchedAt = now

      const batch = outgoing.get(target) ?? []
      batch.push(task.wire)
      if (batch.length < this.#batchSize) outgoing.set(target, batch)
      else {
        this.#send(target, batch)
        outgoing.delete(target)
      }
    }

    for (const [slot, batch] of outgoing) this.#send(slot, batch)
  }

  #send(slot: WorkerSlot, messages: WireMessage[]): void {
    const batch: WorkerBatch = { type: 'batch', messages }
    slot.child.send(batch, (error) => {
      if (error) debug('worker %d: sending a batch failed: %s', slot.pid, error.message)
    })
  }

  #startStallClock(slot: WorkerSlot, now: number): void {
    slot.headSince = now
    slot.timeoutTimer ??= this.#armTimeout(slot, this.#taskTimeoutMs)
  }

  #armTimeout(slot: WorkerSlot, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#checkTimeout(slot), Math.max(1, ms))
    timer.unref()

    return timer
  }

  /**
   * The oldest message in flight is the one the worker is stuck on: after a synchronous
   * handler it is the one running; among asynchronous ones it is the one that never ends.
   * Its clock starts when it became the oldest, so messages queued behind a slow one do not
   * time out for the wait.
   */
  #checkTimeout(slot: WorkerSlot): void {
    slot.timeoutTimer = undefined

    const head = slot.inFlight.values().next().value
    if (!head || !slot.ready) return

    const remaining = slot.headSince + this.#taskTimeoutMs - performance.now()
    if (remaining > 0) {
      slot.timeoutTimer = this.#armTimeout(slot, remaining)
      return
    }

    slot.ready = false
    slot.timedOut = head
    slot.inFlight.delete(head.wire[0])
    this.#logger.warn(
      `process pool: the handler ran longer than ${this.#taskTimeoutMs} ms on ${describeWire(head.wire)}; killing worker ${slot.pid}`,
    )
    this.#fail(
      head,
      new KbenchError(
        'TASK_TIMEOUT',
        `The handler did not finish within ${this.#taskTimeoutMs} ms on ${describeWire(head.wire)}; its worker process was killed.`,
        {
          exitCode: ExitCode.RunFailed,
          suggestions: [
            'Raise --task-timeout if the handler is this slow by design, or find why it hangs on this message.',
          ],
        },
      ),
    )
    slot.child.kill('SIGKILL')
  }

  #onExit(slot: WorkerSlot, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.timeoutTimer) clearTimeout(slot.timeoutTimer)
    const index = this.#slots.indexOf(slot)
    if (index >= 0) this.#slots.splice(index, 1)

    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`
    debug('worker %d %s', slot.pid, how)
    if (this.#stopping) return

    if (slot.startFailed) return

    if (!slot.ready && !slot.timedOut) {
      const error = new KbenchError(
        'WORKER_START_FAILED',
        `A process-pool worker ${how} before it loaded --work ${this.#workSpec}.`,
        { exitCode: ExitCode.Unexpected },
      )
      slot.started.reject(error)
      this.#onStartFailure(slot, error)
      return
    }

    this.#redispatch(slot, how)
    this.#workerRestarts++
    this.#spawn()
  }

  /** The messages a dead worker held go back to the front of the queue, in their order. */
  #redispatch(slot: WorkerSlot, how: string): void {
    const orphans = [...slot.inFlight.values()]
    slot.inFlight.clear()
    if (orphans.length > 0 || !slot.timedOut) {
      const first = orphans[0] ? `, first ${describeWire(orphans[0].wire)}` : ''
      this.#logger.warn(
        `process pool: worker ${slot.pid} ${how} with ${orphans.length} messages in flight${first}; replacing it`,
      )
    }

    const again: Task[] = []
    for (const task of orphans) {
      if (!slot.timedOut) task.crashes++

      if (task.crashes > this.#maxRedispatches) {
        this.#fail(
          task,
          new KbenchError(
            'WORKER_CRASHED',
            `A worker process died ${task.crashes} times while handling ${describeWire(task.wire)}.`,
            {
              exitCode: ExitCode.RunFailed,
              suggestions: ['Check the handler for process.exit() or a crash on this message.'],
            },
          ),
        )
      } else again.push(task)
    }

    this.#redispatched += again.length
    this.#pending.unshift(...again)
    if (this.#pending.length > 0) this.#scheduleFlush()
  }

  /**
   * A worker that cannot load the handler fails the start. After the start, the pool goes on
   * with the workers it has, and fails every message only when none is left.
   */
  #onStartFailure(slot: WorkerSlot, error: KbenchError): void {
    if (!this.#running || this.#stopping || this.#failure) return
    if (this.#slots.some((other) => other !== slot && other.ready)) {
      this.#logger.warn(`process pool: a replacement worker failed to start: ${error.message}`)
      return
    }

    this.#failure = error
    for (const task of this.#pending.splice(0)) this.#fail(task, error)
  }
}

function hasAny(record: Record<string, string>): boolean {
  for (const _ in record) return true

  return false
}

/**
 * Starts a pool of worker processes that run the `--work` handler, and resolves once every
 * worker has loaded it. Fails with the handler's own error (such as HANDLER_NOT_FOUND) when a
 * worker cannot load it. Messages go out in batches; latency is measured here, in the parent.
 */
export async function createProcessPool(options: ProcessPoolOptions): Promise<ProcessPoolExecutor> {
  const pool = new ProcessPool({
    workSpec: options.workSpec,
    workers: wholeNumber('workers', options.workers ?? os.availableParallelism(), 1),
    batchSize: wholeNumber('batch size', options.batchSize ?? 64, 1),
    batchWaitMs: duration('batch wait', options.batchWaitMs ?? 2, 0),
    taskTimeoutMs: duration('task timeout', options.taskTimeoutMs ?? 30_000, 1),
    maxRedispatches: wholeNumber('redispatch limit', options.maxRedispatches ?? 3, 0),
    startTimeoutMs: duration('start timeout', options.startTimeoutMs ?? 30_000, 1),
    closeTimeoutMs: duration('close timeout', options.closeTimeoutMs ?? 5000, 0),
    logger: options.logger ?? silentLogger,
  })

  await pool.start()

  return pool
}

import { setTimeout as delay } from 'node:timers/promises'

import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs'

import { describeError, ExitCode, KbenchError } from '../errors.js'
import { createKafka } from '../kafka/client.js'
import { trace } from '../logging.js'
import type { ModeContext, ProcessedTiming } from '../modes/types.js'
import { toHandlerMessage } from '../workload/message-format.js'
import { OffsetTracker } from './offset-tracker.js'
import { type EngineOptions, resolveEngineOptions, type ResolvedEngineOptions } from './options.js'
import { Fifo, Scheduler } from './scheduler.js'

const debug = trace('engine')

/** Partitions resume once the buffer drains to this share of its bound. */
const RESUME_AT = 0.5

/**
 * How long the final commit keeps retrying after the drain, when the group is rebalancing or
 * its coordinator died: Kafka moves a dead broker's partitions, the offsets topic's among
 * them, only after its session times out (9 s by default), so a shorter window would give up
 * on a commit that was about to succeed.
 */
const FINAL_COMMIT_MS = 15_000

/** The pause between two attempts of the final commit. */
const FINAL_COMMIT_RETRY_MS = 100

/** The backoff between retries never grows past this. */
const MAX_RETRY_BACKOFF_MS = 30_000

/** What one run of the engine did, for the mode's results. */
export interface EngineSummary {
  /** Messages reported, including those skipped after failing and those fenced by a rebalance. */
  processed: number
  /** Messages that failed after every retry and were skipped (`onFailure: 'skip'`). */
  failed: number
  /** Handler attempts that failed and were tried again. */
  retries: number
  /** Messages fetched again after a rebalance or a refetch and dropped as already taken. */
  refetchedDropped: number
  /** Messages queued for a partition when it was revoked, and dropped unprocessed. */
  revokedDropped: number
  /** Completions that arrived after their partition was revoked; they moved no commit. */
  fencedCompletions: number
  /** Rebalances this consumer went through after its first join. */
  rebalances: number
  /** Successful offset commits. */
  commits: number
  /** Times the buffer filled and the partitions were paused. */
  pauses: number
  /** The most messages queued and in flight at once; never above `maxBuffered`. */
  peakBuffered: number
  /**
   * The most fetched messages waiting to enter the buffer at once: the rest of at most one
   * batch per partition, bounded by the fetch size rather than by a message count.
   */
  peakWaiting: number
  /** Messages still in flight when the shutdown timeout ran out; they stay uncommitted. */
  abandonedInFlight: number
  /** The last committed offset of each partition held at the end, as Kafka stores it. */
  committedOffsets: Record<number, string>
}

interface QueuedMessage {
  partition: number
  epoch: number
  offset: bigint
  message: KafkaMessage
  receivedAt: number
}

function emptySummary(): EngineSummary {
  return {
    processed: 0,
    failed: 0,
    retries: 0,
    refetchedDropped: 0,
    revokedDropped: 0,
    fencedCompletions: 0,
    rebalances: 0,
    commits: 0,
    pauses: 0,
    peakBuffered: 0,
    peakWaiting: 0,
    abandonedInFlight: 0,
    committedOffsets: {},
  }
}

function describePartitions(partitions: Iterable<number>): string {
  const list = [...partitions].sort((a, b) => a - b)

  return list.length > 0 ? list.join(', ') : 'none'
}

/**
 * One run of the parallel consumer over one topic.
 *
 * Fetching and processing are decoupled. kafkajs fetches batches and calls `eachBatch`, which
 * only registers and queues the messages, then returns so that kafkajs fetches again. The
 * scheduler runs queued messages on the executor, and the offset tracker turns completions
 * into the offsets to commit, which a timer commits.
 */
class ParallelConsumerRun {
  readonly #context: ModeContext
  readonly #options: ResolvedEngineOptions
  readonly #consumer: Consumer
  readonly #tracker = new OffsetTracker()
  readonly #scheduler: Scheduler<QueuedMessage>
  readonly #summary = emptySummary()
  readonly #resumeAt: number

  /** Partitions this consumer holds, as of the last group join. */
  readonly #assigned = new Set<number>()
  /** Partitions paused in kafkajs now, for backpressure or for the shutdown. */
  readonly #paused = new Set<number>()
  /**
   * Fetched messages not yet admitted into the buffer: the rest of the last batch of each
   * partition, in offset order. A partition with waiting messages is paused, so there is at
   * most one batch per partition here, and partitions take turns when buffer space frees.
   */
  readonly #waiting = new Map<number, Fifo<QueuedMessage>>()
  readonly #turns = new Fifo<number>()
  #waitingCount = 0
  #admissionScheduled = false
  readonly #removeListeners: Array<() => void> = []

  /** Aborted when the run stops, to cut retry backoffs short. */
  readonly #stopController = new AbortController()
  readonly #stopped: Promise<void>
  #signalStopped!: () => void

  #memberId: string | undefined
  #joined = false
  #backpressured = false
  #stopping = false
  #failure: KbenchError | undefined
  #commitTimer: NodeJS.Timeout | undefined
  #commitRunning: Promise<void> | undefined
  #commitAgain = false
  #drained: (() => void) | undefined

  constructor(context: ModeContext, options: ResolvedEngineOptions, consumer: Consumer) {
    this.#context = context
    this.#options = options
    this.#consumer = consumer
    this.#resumeAt = Math.floor(options.maxBuffered * RESUME_AT)
    this.#stopped = new Promise((resolve) => (this.#signalStopped = resolve))

    this.#scheduler = new Scheduler<QueuedMessage>({
      ordering: options.ordering,
      concurrency: options.concurrency,
      run: (queued) => this.#process(queued),
      onSettled: () => this.#afterSettled(),
      onError: (error) => this.#fail(this.#unexpected(error)),
    })
  }

  async run(): Promise<EngineSummary> {
    const { signal } = this.#context
    const onAbort = () => this.#stop()
    signal.addEventListener('abort', onAbort, { once: true })
    if (signal.aborted) this.#stop()

    try {
      if (!this.#stopping) await this.#start()

      await this.#stopped
      await this.#shutdown()
    } catch (error) {
      this.#fail(this.#unexpected(error))
      await this.#disconnect()
    } finally {
      signal.removeEventListener('abort', onAbort)
      await this.#options.executor.close()
    }

    if (this.#failure) throw this.#failure

    return this.#summary
  }

  async #start(): Promise<void> {
    const { topic } = this.#context
    const { events } = this.#consumer

    await this.#consumer.connect()
    await this.#consumer.subscribe({ topics: [topic], fromBeginning: true })

    this.#removeListeners.push(
      this.#consumer.on(events.GROUP_JOIN, ({ payload }) =>
        this.#onGroupJoin(payload.memberId, payload.memberAssignment[topic] ?? []),
      ),
      this.#consumer.on(events.REBALANCING, () => this.#onRebalancing()),
      this.#consumer.on(events.CRASH, ({ payload }) =>
        this.#onCrash(payload.error, payload.restart),
      ),
    )

    this.#commitTimer = setInterval(
      () => void this.#requestCommit(),
      this.#options.commitIntervalMs,
    )

    await this.#consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.#onBatch(payload),
    })
  }

  /**
   * Registers a fetched batch, sets it aside to enter the buffer, and returns without waiting
   * for any processing.
   *
   * The handler resolves the offset of the batch's last message at once. With automatic
   * resolving off, the resolved offset only says where kafkajs fetches next; what is committed
   * follows completions and is committed by this engine. Returning at once lets kafkajs fetch
   * other partitions right away, whereas keeping the handler alive until the work is done would
   * stall every partition served by the same broker connection. The partition stays paused
   * while the rest of its batch waits for buffer space, so nothing is fetched twice and no
   * more than one batch per partition waits.
   */
  async #onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const receivedAt = performance.now()
    const { partition } = batch
    const epoch = this.#tracker.epochOf(partition)

    // A batch fetched before the partition was paused, while its previous batch still waits,
    // is left unresolved: kafkajs fetches it again once the partition resumes.
    if (this.#stopping || epoch === undefined || this.#waiting.has(partition)) return

    const last = this.#tracker.lastRegistered(partition)
    const fetched = new Fifo<QueuedMessage>()
    let resolved: string | undefined

    for (const message of batch.messages) {
      const offset = BigInt(message.offset)
      resolved = message.offset
      if (last !== undefined && offset <= last) {
        this.#summary.refetchedDropped++
        continue
      }

      this.#tracker.register(partition, epoch, offset)
      fetched.push({ partition, epoch, offset, message, receivedAt })
    }

    if (resolved !== undefined) resolveOffset(resolved)

    if (fetched.size > 0) {
      this.#waiting.set(partition, fetched)
      this.#turns.push(partition)
      this.#waitingCount += fetched.size
      this.#summary.peakWaiting = Math.max(this.#summary.peakWaiting, this.#waitingCount)
      this.#syncPauses()
      this.#scheduleAdmission()
    }

    await heartbeat()
  }

  /**
   * Admits waiting messages once the batches of the current fetch have all arrived, so that
   * the first partition of a fetch does not take the whole buffer.
   */
  #scheduleAdmission(): void {
    if (this.#admissionScheduled) return

    this.#admissionScheduled = true
    setImmediate(() => {
      this.#admissionScheduled = false
      this.#admit()
    })
  }

  /** Moves waiting messages into the buffer while it has room, one partition turn at a time. */
  #admit(): void {
    const { maxBuffered } = this.#options
    let emptied = false

    while (!this.#stopping && this.#scheduler.buffered < maxBuffered) {
      const partition = this.#turns.shift()
      if (partition === undefined) break

      const waiting = this.#waiting.get(partition)
      const queued = waiting?.shift()
      if (!waiting || !queued) continue

      this.#waitingCount--
      this.#scheduler.enqueue({ partition, key: queued.message.key, item: queued })
      this.#summary.peakBuffered = Math.max(this.#summary.peakBuffered, this.#scheduler.buffered)

      if (waiting.size > 0) {
        this.#turns.push(partition)
      } else {
        this.#waiting.delete(partition)
        emptied = true
      }
    }

    this.#applyBackpressure(emptied)
    this.#publishGauges()
  }

  /** Runs one message, with retries, and reports it. Never rejects. */
  async #process(queued: QueuedMessage): Promise<void> {
    const { topic } = this.#context
    const { executor, maxRetries, retryBackoffMs } = this.#options
    const message = toHandlerMessage(topic, queued.partition, queued.message)
    const firstDispatchAt = performance.now()

    for (let attempt = 0; ; attempt++) {
      try {
        const timing = await executor.execute(message)
        this.#complete(queued, {
          receivedAt: queued.receivedAt,
          startedAt: attempt === 0 ? timing.startedAt : firstDispatchAt,
          finishedAt: timing.finishedAt,
        })
        return
      } catch (error) {
        if (this.#abandons(queued)) return

        if (attempt >= maxRetries) {
          this.#giveUp(queued, error, attempt + 1, firstDispatchAt)
          return
        }

        this.#summary.retries++
        const backoff = Math.min(MAX_RETRY_BACKOFF_MS, retryBackoffMs * 2 ** attempt)
        debug(
          'handler failed on %s partition %d offset %s (attempt %d), retrying in %d ms: %s',
          topic,
          queued.partition,
          message.offset,
          attempt + 1,
          backoff,
          describeError(error),
        )

        const waited = await delay(backoff, true, { signal: this.#stopController.signal }).catch(
          () => false,
        )
        if (!waited || this.#abandons(queued)) return
      }
    }
  }

  /** A message is abandoned when the run stops or its partition was revoked. */
  #abandons(queued: QueuedMessage): boolean {
    return this.#stopping || this.#tracker.epochOf(queued.partition) !== queued.epoch
  }

  #complete(queued: QueuedMessage, timing: ProcessedTiming, failed = false): void {
    const counted = this.#tracker.complete(queued.partition, queued.epoch, queued.offset)
    if (!counted) this.#summary.fencedCompletions++

    this.#summary.processed++
    this.#context.report({
      topic: this.#context.topic,
      partition: queued.partition,
      message: queued.message,
      timing,
      ...(failed ? { failed: true } : {}),
    })
  }

  #giveUp(queued: QueuedMessage, error: unknown, attempts: number, startedAt: number): void {
    const { topic } = this.#context
    const where = `${topic} partition ${queued.partition} offset ${queued.message.offset}`

    if (this.#options.onFailure === 'skip') {
      this.#summary.failed++
      this.#context.logger.warn(
        `Skipping the message at ${where}: the handler failed ${attempts} times, last with: ${describeError(error)}`,
      )
      this.#complete(
        queued,
        { receivedAt: queued.receivedAt, startedAt, finishedAt: performance.now() },
        true,
      )
      return
    }

    this.#fail(
      new KbenchError(
        'MESSAGE_FAILED',
        `The handler failed on the message at ${where} after ${attempts} attempts: ${describeError(error)}`,
        {
          exitCode: ExitCode.RunFailed,
          cause: error,
          suggestions: [
            'Fix the handler, or pass --on-failure skip to report such messages as failed and go on.',
            'Raise --max-retries if the failure is transient.',
          ],
        },
      ),
    )
  }

  #afterSettled(): void {
    this.#admit()

    if (this.#scheduler.held && !this.#stopping) void this.#requestCommit()
    if (this.#drained && this.#scheduler.inFlight === 0) this.#drained()
  }

  /**
   * Pauses every partition when the buffer is full and resumes them once it drained to the
   * low-water mark. A partition with fetched messages still waiting stays paused either way.
   */
  #applyBackpressure(changed = false): void {
    const buffered = this.#scheduler.buffered

    if (!this.#backpressured && buffered >= this.#options.maxBuffered) {
      this.#backpressured = true
      this.#summary.pauses++
      changed = true
      debug('buffer full at %d messages: pausing %s', buffered, this.#context.topic)
    } else if (this.#backpressured && buffered <= this.#resumeAt) {
      this.#backpressured = false
      changed = true
      debug('buffer drained to %d messages: resuming %s', buffered, this.#context.topic)
    }

    if (changed) this.#syncPauses()
  }

  /** Pauses and resumes partitions in kafkajs so that exactly the ones that should wait do. */
  #syncPauses(force = false): void {
    const pauseAll = this.#stopping || this.#backpressured
    const toPause: number[] = []
    const toResume: number[] = []

    for (const partition of this.#assigned) {
      const wanted = pauseAll || this.#waiting.has(partition)
      if (wanted && (force || !this.#paused.has(partition))) toPause.push(partition)
      if (!wanted && (force || this.#paused.has(partition))) toResume.push(partition)
    }
    for (const partition of this.#paused) {
      if (!this.#assigned.has(partition)) toResume.push(partition)
    }

    this.#setPaused(toPause, true)
    this.#setPaused(toResume, false)
  }

  #setPaused(partitions: number[], paused: boolean): void {
    if (partitions.length === 0) return

    for (const partition of partitions) {
      if (paused) this.#paused.add(partition)
      else this.#paused.delete(partition)
    }

    try {
      const topicPartitions = [{ topic: this.#context.topic, partitions }]
      if (paused) this.#consumer.pause(topicPartitions)
      else this.#consumer.resume(topicPartitions)
    } catch (error) {
      // Between a crash and its restart kafkajs has no consumer group to pause; the next group
      // join applies the pauses again.
      debug('pausing or resuming %s failed: %s', this.#context.topic, describeError(error))
    }
  }

  #publishGauges(): void {
    this.#context.gauges({
      inFlight: this.#scheduler.inFlight,
      buffered: this.#scheduler.buffered,
      pausedPartitions: this.#paused.size,
    })
  }

  /**
   * kafkajs found the group rebalancing and is about to join it again. It uses the eager
   * protocol, so any held partition may be revoked: dispatch stops, and completed offsets are
   * committed while this member's generation is still accepted. Completions that arrive
   * before the join ends are committed too.
   */
  #onRebalancing(): void {
    this.#summary.rebalances++
    debug(
      'group %s is rebalancing: holding dispatch on %s',
      this.#context.groupId,
      this.#context.topic,
    )

    this.#scheduler.hold()
    void this.#requestCommit()
  }

  /**
   * The group join that ends every rebalance carries this member's new assignment: the
   * partitions it held and no longer holds are the revoked ones. kafkajs has no revocation
   * callback that runs before the join, so this is where their queued messages are dropped
   * and their epoch retired, which fences whatever is still in flight for them.
   */
  #onGroupJoin(memberId: string, partitions: number[]): void {
    const { topic, groupId, logger } = this.#context
    const next = new Set(partitions)

    // A new member id means the group forgot this member (a session timeout or a restart after
    // a crash): every partition it held may have had another owner meanwhile.
    const lostAll = this.#memberId !== undefined && this.#memberId !== memberId
    this.#memberId = memberId

    const revoked = [...this.#assigned].filter((partition) => lostAll || !next.has(partition))
    for (const partition of revoked) {
      this.#summary.revokedDropped += this.#scheduler.dropPartition(partition)
      this.#tracker.revoke(partition)
      this.#assigned.delete(partition)
      this.#dropWaiting(partition)
    }

    for (const partition of next) {
      this.#tracker.assign(partition)
      this.#assigned.add(partition)
    }

    if (revoked.length > 0) {
      logger.info(
        `Group ${groupId} rebalanced: partitions ${describePartitions(revoked)} of ${topic} were revoked; holding ${describePartitions(next)}.`,
      )
    }
    debug('joined group %s holding %s partitions %s', groupId, topic, describePartitions(next))

    // kafkajs keeps pauses across a rebalance but not across a restart: state them all again.
    this.#syncPauses(true)
    if (!this.#stopping) this.#scheduler.release()

    if (!this.#joined) {
      this.#joined = true
      this.#context.joined()
    }

    this.#applyBackpressure()
    this.#publishGauges()
  }

  #dropWaiting(partition: number): void {
    const waiting = this.#waiting.get(partition)
    if (!waiting) return

    this.#summary.revokedDropped += waiting.size
    this.#waitingCount -= waiting.size
    this.#waiting.delete(partition)
  }

  #onCrash(error: Error, restart: boolean): void {
    const { topic, groupId, logger } = this.#context

    if (restart) {
      logger.warn(
        `The consumer of group ${groupId} on ${topic} failed and restarts: ${describeError(error)}`,
      )
      this.#scheduler.hold()
      return
    }

    this.#fail(
      new KbenchError(
        'CONSUMER_CRASHED',
        `The consumer of group ${groupId} on ${topic} stopped: ${describeError(error)}`,
        {
          exitCode: ExitCode.RunFailed,
          cause: error,
          suggestions: ['Check that the broker is reachable and that the topic exists.'],
        },
      ),
    )
  }

  /** Commits what completed, one commit at a time; a request during a commit runs after it. */
  #requestCommit(): Promise<void> {
    if (this.#commitRunning) {
      this.#commitAgain = true
      return this.#commitRunning
    }

    this.#commitRunning = (async () => {
      do {
        this.#commitAgain = false
        await this.#commitOnce()
      } while (this.#commitAgain)
    })().finally(() => {
      this.#commitRunning = undefined
    })

    return this.#commitRunning
  }

  /** Commits every partition whose offset to commit moved. Returns false when the commit failed. */
  async #commitOnce(): Promise<boolean> {
    const { topic, groupId } = this.#context
    const candidates = this.#tracker.commitCandidates()
    if (candidates.length === 0) return true

    try {
      await this.#consumer.commitOffsets(
        candidates.map(({ partition, offset }) => ({
          topic,
          partition,
          offset: offset.toString(),
        })),
      )
    } catch (error) {
      debug('committing %s for group %s failed: %s', topic, groupId, describeError(error))
      return false
    }

    for (const candidate of candidates) this.#tracker.markCommitted(candidate)
    this.#summary.commits++
    return true
  }

  /** Stops fetching and dispatching; `run` then drains, commits and disconnects. */
  #stop(): void {
    if (this.#stopping) return

    this.#stopping = true
    this.#scheduler.hold()
    this.#stopController.abort()
    this.#syncPauses()
    this.#signalStopped()
  }

  #fail(error: KbenchError): void {
    this.#failure ??= error
    this.#stop()
  }

  #unexpected(error: unknown): KbenchError {
    if (error instanceof KbenchError) return error

    const { topic, groupId } = this.#context
    return new KbenchError(
      'ENGINE_FAILED',
      `The parallel consumer of group ${groupId} on ${topic} failed: ${describeError(error)}`,
      { exitCode: ExitCode.RunFailed, cause: error },
    )
  }

  async #shutdown(): Promise<void> {
    const { topic, logger } = this.#context
    const { shutdownTimeoutMs } = this.#options

    await this.#waitForInFlight(shutdownTimeoutMs)

    const abandoned = this.#scheduler.inFlight
    if (abandoned > 0) {
      this.#summary.abandonedInFlight = abandoned
      logger.warn(
        `${abandoned} messages of ${topic} were still in flight ${shutdownTimeoutMs} ms after the stop; their offsets stay uncommitted, so the group consumes them again.`,
      )
    }

    clearInterval(this.#commitTimer)
    await this.#finalCommit()
    await this.#disconnect()
  }

  #waitForInFlight(timeoutMs: number): Promise<void> {
    if (this.#scheduler.inFlight === 0) return Promise.resolve()

    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer)
        this.#drained = undefined
        resolve()
      }
      const timer = setTimeout(finish, timeoutMs)
      this.#drained = finish
    })
  }

  async #finalCommit(): Promise<void> {
    const { topic, groupId, logger } = this.#context
    const deadline = performance.now() + FINAL_COMMIT_MS

    await this.#commitRunning
    while (!(await this.#commitOnce())) {
      if (performance.now() >= deadline) {
        logger.warn(
          `The final commit of ${topic} for group ${groupId} failed for ${FINAL_COMMIT_MS} ms; the group consumes the uncommitted messages again.`,
        )
        break
      }

      await delay(FINAL_COMMIT_RETRY_MS)
    }

    for (const partition of this.#tracker.partitions()) {
      const committed = this.#tracker.committed(partition)
      if (committed !== undefined) this.#summary.committedOffsets[partition] = committed.toString()
    }
  }

  async #disconnect(): Promise<void> {
    clearInterval(this.#commitTimer)
    for (const remove of this.#removeListeners.splice(0)) remove()

    try {
      await this.#consumer.disconnect()
    } catch (error) {
      this.#context.logger.warn(
        `Disconnecting the consumer of group ${this.#context.groupId} failed: ${describeError(error)}`,
      )
    }

    this.#publishGauges()
  }
}

/**
 * Consumes the context's topic with the parallel consumer engine until the context's signal
 * aborts, then drains in-flight work, commits and disconnects. Every processed message is
 * reported through the context. Rejects with a KbenchError when a message fails for good
 * (`onFailure: 'fail'`) or the consumer stops for good. The executor is closed on return.
 */
export async function runParallelConsumer(
  context: ModeContext,
  options: EngineOptions,
): Promise<EngineSummary> {
  let resolved: ResolvedEngineOptions
  try {
    resolved = resolveEngineOptions(options)
  } catch (error) {
    await options.executor.close()
    throw error
  }

  const consumer = createKafka(context.connection).consumer({
    groupId: context.groupId,
    maxWaitTimeInMs: resolved.fetchMaxWaitMs,
    maxBytes: resolved.fetchMaxBytes,
    maxBytesPerPartition: resolved.fetchMaxBytes,
    heartbeatInterval: 1000,
  })

  return new ParallelConsumerRun(context, resolved, consumer).run()
}

export type { EngineOptions } from './options.js'

/**
 * What the engine's integration tests share: topics on the suite's broker, a keyed workload
 * with a per-key sequence header, a mode context that records what the engine reports, and
 * the checks for lost, duplicated and reordered messages.
 */
import type { Admin } from 'kafkajs'

import { runParallelConsumer } from '../../src/engine/parallel-consumer.js'
import { createKafka } from '../../src/kafka/client.js'
import type { Logger } from '../../src/logging.js'
import type { ModeContext, ModeGauges, ProcessedMessage } from '../../src/modes/types.js'
import type { MessageHandler } from '../../src/workload/handler.js'
import { testBrokers, testKafka, uniqueName } from '../helpers/kafka.js'

export const SEQ_HEADER = 'kbench-seq'

/** Creates a topic and waits for its partitions to have leaders. */
export async function createTopic(admin: Admin, partitions: number): Promise<string> {
  const topic = uniqueName('engine')
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })

  return topic
}

/**
 * Produces `count` messages over `keys` keys named `key-<n>`; each carries its position among
 * the messages of its key in the `kbench-seq` header. Batches are sent one after another, so
 * offset order within a partition is sequence order within a key.
 */
export async function produceKeyed(
  topic: string,
  count: number,
  keys: number,
  batchSize = 1000,
): Promise<void> {
  // Idempotent, so that a retry after a leader change on a new topic writes nothing twice.
  const producer = testKafka().producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()

  try {
    for (let first = 0; first < count; first += batchSize) {
      const messages = []
      for (let index = first; index < Math.min(count, first + batchSize); index++) {
        messages.push({
          key: `key-${index % keys}`,
          value: `m${index}`,
          headers: { [SEQ_HEADER]: String(Math.floor(index / keys)) },
        })
      }

      await producer.send({ topic, messages })
    }
  } finally {
    await producer.disconnect()
  }
}

/** One processed message as the recorder saw it. */
export interface Seen {
  key: string
  seq: number
  partition: number
  offset: string
  failed: boolean
  at: number
  consumer: string
}

/**
 * Collects every report of one or more consumers of the same topic and answers whether the
 * whole workload was processed, and how.
 */
export class Recorder {
  readonly seen: Seen[] = []
  readonly #distinct = new Set<string>()
  readonly #expected: number
  #onComplete: Array<() => void> = []

  constructor(expected: number) {
    this.#expected = expected
  }

  get distinct(): number {
    return this.#distinct.size
  }

  record(consumer: string, processed: ProcessedMessage): void {
    const { message, partition } = processed
    const key = message.key?.toString() ?? ''
    const seq = Number(message.headers?.[SEQ_HEADER]?.toString())

    this.seen.push({
      key,
      seq,
      partition,
      offset: message.offset,
      failed: processed.failed === true,
      at: performance.now(),
      consumer,
    })
    this.#distinct.add(`${key}#${seq}`)

    if (this.#distinct.size === this.#expected) {
      for (const resolve of this.#onComplete.splice(0)) resolve()
    }
  }

  /** Resolves once every expected message was reported, or rejects after the deadline. */
  complete(timeoutMs: number): Promise<void> {
    if (this.#distinct.size >= this.#expected) return Promise.resolve()

    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `Timed out after ${timeoutMs} ms with ${this.#distinct.size} of ${this.#expected} messages processed`,
            ),
          ),
        timeoutMs,
      )
      this.#onComplete.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /**
   * Duplicates are reports of a message already reported. An ordering violation is a message
   * processed before the one before it in its key had been processed at least once; a replay
   * of earlier messages after a rebalance is a duplicate, not a violation.
   */
  verify(): { lost: number; duplicates: Seen[]; orderingViolations: Seen[] } {
    const processedSeqs = new Map<string, Set<number>>()
    const duplicates: Seen[] = []
    const orderingViolations: Seen[] = []

    for (const seen of this.seen) {
      let seqs = processedSeqs.get(seen.key)
      if (!seqs) {
        seqs = new Set()
        processedSeqs.set(seen.key, seqs)
      }

      if (seqs.has(seen.seq)) duplicates.push(seen)
      else if (seen.seq > 0 && !seqs.has(seen.seq - 1)) orderingViolations.push(seen)
      seqs.add(seen.seq)
    }

    return { lost: this.#expected - this.#distinct.size, duplicates, orderingViolations }
  }

  /** Messages of a partition processed before the message at the offset before theirs. */
  partitionOrderViolations(): Seen[] {
    const processed = new Set<string>()
    const violations: Seen[] = []

    for (const seen of this.seen) {
      const offset = BigInt(seen.offset)
      if (offset > 0n && !processed.has(`${seen.partition}:${offset - 1n}`)) violations.push(seen)
      processed.add(`${seen.partition}:${offset}`)
    }

    return violations
  }
}

/** A mode context for one consumer, recording into a shared recorder. */
export interface TestContext {
  context: ModeContext
  controller: AbortController
  gauges: ModeGauges[]
  joined: Promise<void>
  warnings: string[]
}

export function testContext(options: {
  topic: string
  groupId: string
  recorder: Recorder
  handler: MessageHandler
  name?: string
}): TestContext {
  const controller = new AbortController()
  const gauges: ModeGauges[] = []
  const warnings: string[] = []
  let markJoined!: () => void
  const joined = new Promise<void>((resolve) => (markJoined = resolve))
  const name = options.name ?? 'consumer'

  const logger: Logger = {
    info() {},
    warn: (message) => warnings.push(message),
    debug() {},
  }

  const context: ModeContext = {
    connection: { brokers: testBrokers(), clientId: `kbench-test-${name}` },
    kafka: () => createKafka({ brokers: testBrokers(), clientId: `kbench-test-${name}` }),
    topic: options.topic,
    groupId: options.groupId,
    handler: options.handler,
    workSpec: 'module:test',
    flags: {},
    report: (processed) => options.recorder.record(name, processed),
    joined: markJoined,
    gauges: (values) => gauges.push({ ...values }),
    signal: controller.signal,
    logger,
    runEngine: (engineOptions) => runParallelConsumer(context, engineOptions),
  }

  return { context, controller, gauges, joined, warnings }
}

/** The committed offset of every partition of a group, next to the partition's end offset. */
export async function committedAndEndOffsets(
  admin: Admin,
  topic: string,
  groupId: string,
): Promise<{ committed: Record<number, string>; end: Record<number, string> }> {
  const [committedTopic] = await admin.fetchOffsets({ groupId, topics: [topic] })
  const endOffsets = await admin.fetchTopicOffsets(topic)

  const committed: Record<number, string> = {}
  for (const { partition, offset } of committedTopic?.partitions ?? [])
    committed[partition] = offset

  const end: Record<number, string> = {}
  for (const { partition, high } of endOffsets) end[partition] = high

  return { committed, end }
}

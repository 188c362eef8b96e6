import { CompressionTypes, type Message, Partitioners } from 'kafkajs'

import { type ConnectionSettings, createKafka } from '../kafka/client.js'
import { keySampler } from './keys.js'
import { epochNow, keyFor, stampHeaders } from './message-format.js'
import type { WorkloadSettings } from './settings.js'

/** Progress of the producer: messages acknowledged so far out of the total. */
export type ProduceProgress = (acknowledged: number, total: number) => void

export interface ProduceOptions {
  connection: ConnectionSettings
  topic: string
  workload: WorkloadSettings
  signal?: AbortSignal
  onProgress?: ProduceProgress
  /** Called after each acknowledged batch with the number of messages acknowledged so far. */
  onAcknowledged?: (acknowledged: number) => void
}

export interface ProduceSummary {
  produced: number
  bytes: number
  durationMs: number
}

const BATCH_MESSAGES = 1000
const IN_FLIGHT = 1

/**
 * Produces the workload: `messages` messages with keys drawn from the configured
 * distribution, each stamped with its id, its key's sequence number and its intended send
 * time. In the backlog shape the intended time is the moment of sending; in the rate shape it
 * is the schedule (start + id / rate), so a producer or broker stall shows up as latency
 * instead of silently delaying the clock (coordinated omission).
 */
export async function produceWorkload(options: ProduceOptions): Promise<ProduceSummary> {
  const { workload } = options
  const total = workload.shape === 'rate' ? rateMessages(workload) : workload.messages
  const sampleKey = keySampler(workload.keys, workload.keyDistribution, {
    exponent: workload.zipfExponent,
    seed: workload.seed,
  })
  const sequences = new Uint32Array(workload.keys)
  const payload = Buffer.alloc(workload.payloadBytes, 0x61)

  const producer = createKafka(options.connection).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: workload.acks === -1,
    maxInFlightRequests: 1,
  })
  await producer.connect()

  const started = performance.now()
  const startEpoch = epochNow()
  let produced = 0

  // One batch is sent at a time, so that batches reach each partition in the order of their
  // sequence numbers (concurrent sends can overtake one another); the next batch is built
  // while the previous one awaits its acknowledgement. With acks=all the producer is also
  // idempotent, so a retried batch cannot be written twice or out of order.
  const inFlight = new Set<Promise<void>>()
  let acknowledged = 0
  let failure: unknown

  try {
    while (produced < total && !options.signal?.aborted && failure === undefined) {
      const batchSize = Math.min(BATCH_MESSAGES, total - produced, batchForRate(workload))
      if (workload.shape === 'rate') await waitForSchedule(workload, produced, started)

      const firstId = produced
      const messages: Message[] = []
      for (let i = 0; i < batchSize; i++) {
        const id = firstId + i
        const keyIndex = sampleKey()
        const sequence = sequences[keyIndex] as number
        sequences[keyIndex] = sequence + 1
        const intendedSendTime =
          workload.shape === 'rate'
            ? startEpoch + (id * 1000) / (workload.rate as number)
            : epochNow()

        messages.push({
          key: keyFor(keyIndex),
          value: payload,
          headers: stampHeaders({ id, keyIndex, sequence, intendedSendTime }),
        })
      }
      produced += batchSize

      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight)
      const sending = producer
        .send({
          topic: options.topic,
          messages,
          acks: workload.acks,
          compression:
            workload.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        })
        .then(() => {
          acknowledged += batchSize
          options.onAcknowledged?.(acknowledged)
          options.onProgress?.(acknowledged, total)
        })
        .catch((error: unknown) => {
          failure ??= error
        })
        .finally(() => inFlight.delete(sending))
      inFlight.add(sending)
    }

    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
  } finally {
    await producer.disconnect()
  }

  return {
    produced: acknowledged,
    bytes: acknowledged * workload.payloadBytes,
    durationMs: performance.now() - started,
  }
}

function rateMessages(workload: WorkloadSettings): number {
  return Math.max(
    1,
    Math.round(((workload.rate as number) * (workload.durationMs as number)) / 1000),
  )
}

/** In the rate shape, batches cover at most 10 ms of schedule, so sends stay smooth. */
function batchForRate(workload: WorkloadSettings): number {
  if (workload.shape !== 'rate') return BATCH_MESSAGES

  return Math.max(1, Math.floor((workload.rate as number) / 100))
}

async function waitForSchedule(workload: WorkloadSettings, nextId: number, started: number) {
  const due = started + (nextId * 1000) / (workload.rate as number)
  const wait = due - performance.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
}

export { rateMessages }

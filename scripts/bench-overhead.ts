/**
 * kbench's own overhead: bench:baseline with --work noop against a bare kafkajs eachMessage
 * loop that only counts, on the same backlog, side by side, several times. Each side resets
 * the topic and produces the same workload in this process before consuming it, so both pay
 * the same garbage-collection debt from producing. Prints each pair, the medians and the
 * ratio (target: baseline reaches at least 90% of the bare loop).
 *
 *   npx tsx scripts/bench-overhead.ts            # starts its own broker
 *   KBENCH_BROKERS=127.0.0.1:9092 MESSAGES=200000 PAIRS=5 npx tsx scripts/bench-overhead.ts
 */
import { createKafka } from '../src/kafka/client.js'
import { produceWorkload } from '../src/workload/producer.js'
import { resetKafka } from '../src/kafka/reset/reset.js'
import { silentLogger } from '../src/logging.js'
import { runBenchmark } from '../src/harness/run-benchmark.js'
import { baselineMode } from '../src/plugins/baseline/mode.js'
import type { WorkloadSettings } from '../src/workload/settings.js'
import { median, scriptCluster } from './script-cluster.js'

const messages = Number(process.env.MESSAGES ?? 100_000)
const pairs = Number(process.env.PAIRS ?? 5)
const topic = 'kbench-overhead'
const partitions = 4

const workload: WorkloadSettings = {
  shape: 'backlog',
  messages,
  payloadBytes: 256,
  keys: 100,
  keyDistribution: 'uniform',
  zipfExponent: 1.1,
  partitions,
  work: 'noop',
  warmupMessages: 0,
  acks: -1,
  compression: 'none',
  timeoutMs: 600_000,
  seed: 1,
}

/** Consumes the whole topic with a fresh group, doing nothing but counting. */
async function bareLoop(brokers: string[], groupId: string): Promise<number> {
  const consumer = createKafka({ brokers }).consumer({ groupId })
  let joinedAt = 0
  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt ||= performance.now()))
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })

  let count = 0
  let lastAt = 0
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async () => {
        count++
        if (count === messages) {
          lastAt = performance.now()
          resolve()
        }
      },
    })
  })
  await consumer.disconnect()

  return (messages / (lastAt - joinedAt)) * 1000
}

const cluster = await scriptCluster()
const connection = { brokers: cluster.brokers }
const harness: number[] = []
const bare: number[] = []

try {
  const reset = (group: string) =>
    resetKafka({
      connection,
      topics: { [topic]: { partitions } },
      groups: [group],
      confirmed: true,
      logger: silentLogger,
    })

  for (let pair = 1; pair <= pairs; pair++) {
    await reset(`${topic}-baseline`)
    const result = await runBenchmark({
      mode: baselineMode,
      modeFlags: {},
      connection,
      topic,
      groupId: `${topic}-baseline`,
      workload,
      logger: silentLogger,
    })
    if (!result.complete) throw new Error(`baseline run incomplete: ${result.error}`)

    await reset(`${topic}-bare`)
    await produceWorkload({ connection, topic, workload })
    const bareRate = await bareLoop(cluster.brokers, `${topic}-bare`)

    harness.push(result.throughput.msgsPerSec)
    bare.push(bareRate)
    console.log(
      `pair ${pair}: baseline ${Math.round(result.throughput.msgsPerSec)} msg/s, bare loop ${Math.round(bareRate)} msg/s`,
    )
  }
} finally {
  await cluster.release()
}

const ratio = median(harness) / median(bare)
const pairRatios = harness.map((rate, index) => rate / (bare[index] as number))
console.log(
  `median baseline (noop): ${Math.round(median(harness))} msg/s over ${messages} messages`,
)
console.log(`median bare eachMessage loop: ${Math.round(median(bare))} msg/s`)
console.log(`ratio of the medians: ${(ratio * 100).toFixed(1)}% (target at least 90%)`)
console.log(`median of the pair ratios: ${(median(pairRatios) * 100).toFixed(1)}%`)

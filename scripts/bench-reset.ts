/**
 * Times `kafka:reset --topics kbench-a,kbench-b --groups kbench-g --partitions 12 --yes`
 * through the reset service, five times, each after refilling both topics with 10,000
 * messages and committing the group's offsets; checks after each reset that no message and
 * no committed offset is left; prints every duration and the median (target: under 3 s).
 *
 * Uses the brokers in KBENCH_BROKERS, or starts a local broker and stops it afterwards.
 *
 *   npx tsx scripts/bench-reset.ts
 */
import type { Admin, Kafka } from 'kafkajs'

import { createKafka } from '../src/kafka/client.js'
import {
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../src/kafka/local/cluster.js'
import { resetKafka } from '../src/kafka/reset/reset.js'
import { silentLogger } from '../src/logging.js'

// kafkajs arms timers with negative delays on Node 22+; the warning would clutter the figures.
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(`${warning.name}: ${warning.message}`)
})

const TOPICS = ['kbench-a', 'kbench-b']
const GROUP = 'kbench-g'
const MESSAGES = 10_000
const ROUNDS = 5
const TARGET_MS = 3000

async function fill(kafka: Kafka, admin: Admin): Promise<void> {
  const existing = new Set(await admin.listTopics())
  const missing = TOPICS.filter((topic) => !existing.has(topic))
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((topic) => ({ topic, numPartitions: 12 })),
      waitForLeaders: true,
    })
  }

  const producer = kafka.producer()
  await producer.connect()

  for (const topic of TOPICS) {
    for (let sent = 0; sent < MESSAGES; sent += 2000) {
      await producer.send({
        topic,
        messages: Array.from({ length: 2000 }, (_, index) => ({
          key: `key-${(sent + index) % 100}`,
          value: `message ${sent + index}`,
        })),
      })
    }
  }

  await producer.disconnect()

  for (const topic of TOPICS) {
    const offsets = await admin.fetchTopicOffsets(topic)
    await admin.setOffsets({
      groupId: GROUP,
      topic,
      partitions: offsets.map(({ partition, high }) => ({ partition, offset: high })),
    })
  }
}

async function leftovers(admin: Admin): Promise<{ messages: number; committed: number }> {
  let messages = 0
  for (const topic of TOPICS) {
    const offsets = await admin.fetchTopicOffsets(topic)
    messages += offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0)
  }

  const committed = (await admin.fetchOffsets({ groupId: GROUP })).flatMap(({ partitions }) =>
    partitions.filter(({ offset }) => offset !== '-1'),
  ).length

  return { messages, committed }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)

  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2
}

async function main(): Promise<number> {
  let cluster: LocalClusterState | undefined
  let brokers = process.env.KBENCH_BROKERS?.split(',')

  if (!brokers) {
    console.error('KBENCH_BROKERS is not set: starting a local broker')
    cluster = await startLocalCluster({ logger: silentLogger })
    brokers = cluster.bootstrap.split(',')
  }

  const kafka = createKafka({ brokers, clientId: 'kbench-bench-reset' })
  const admin = kafka.admin()
  await admin.connect()

  try {
    const durations: number[] = []
    let clean = true

    for (let round = 1; round <= ROUNDS; round += 1) {
      await fill(kafka, admin)

      const started = performance.now()
      await resetKafka({
        connection: { brokers },
        topics: Object.fromEntries(TOPICS.map((topic) => [topic, { partitions: 12 }])),
        groups: [GROUP],
        confirmed: true,
      })
      const duration = performance.now() - started
      durations.push(duration)

      const left = await leftovers(admin)
      clean &&= left.messages === 0 && left.committed === 0
      console.log(
        `round ${round}: ${duration.toFixed(0)} ms; left: ${left.messages} messages, ${left.committed} committed offsets`,
      )
    }

    const middle = median(durations)
    console.log(`median: ${middle.toFixed(0)} ms (target under ${TARGET_MS} ms)`)

    return clean && middle < TARGET_MS ? 0 : 1
  } finally {
    await admin.disconnect()
    if (cluster) await stopLocalCluster(cluster)
  }
}

process.exitCode = await main()

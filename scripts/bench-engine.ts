/**
 * A quick measurement of the parallel consumer engine, next to kafkajs's own concurrency.
 *
 *   npx tsx scripts/bench-engine.ts [--messages 40000] [--keys 1000] [--partitions 8]
 *                                   [--work sleep:10] [--concurrency 100]
 *
 * Produces the backlog once per key count, then consumes it with a fresh group per scenario
 * and prints the throughput over the consume phase: from the group join to the last processed
 * message. Brokers come from KBENCH_BROKERS; without it a local broker is started and stopped.
 */
import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'

import { createAsyncExecutor } from '../src/engine/executors/async-executor.js'
import type { Ordering } from '../src/engine/scheduler.js'
import { runParallelConsumer } from '../src/engine/parallel-consumer.js'
import { createKafka } from '../src/kafka/client.js'
import {
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../src/kafka/local/cluster.js'
import { silentLogger } from '../src/logging.js'
import type { MessageHandler } from '../src/workload/handler.js'
import { createHandler, parseWorkSpec } from '../src/workload/work.js'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '40000' },
    keys: { type: 'string', default: '1000' },
    partitions: { type: 'string', default: '8' },
    work: { type: 'string', default: 'sleep:10' },
    concurrency: { type: 'string', default: '100' },
  },
})

const messages = Number(values.messages)
const keyCount = Number(values.keys)
const partitions = Number(values.partitions)
const concurrency = Number(values.concurrency)
const workSpec = values.work

interface Outcome {
  scenario: string
  processed: number
  seconds: number
  rate: number
}

/** Slow scenarios stop after this many messages; their rate is already steady by then. */
const SLOW_SCENARIO_MESSAGES = Math.min(messages, 4000)

/** Produces the backlog: `keys` keys in turn, in batches of 1000 messages. */
async function produce(brokers: string[], topic: string, keys: number): Promise<void> {
  const kafka = createKafka({ brokers, clientId: 'kbench-bench-engine' })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true })
  await admin.disconnect()

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const payload = 'x'.repeat(64)
  for (let first = 0; first < messages; first += 1000) {
    const batch = []
    for (let index = first; index < Math.min(messages, first + 1000); index++) {
      batch.push({ key: `key-${index % keys}`, value: payload })
    }
    await producer.send({ topic, messages: batch })
  }
  await producer.disconnect()
}

/** Consumes the backlog with the engine and returns the consume phase's throughput. */
async function runEngine(
  brokers: string[],
  topic: string,
  handler: MessageHandler,
  ordering: Ordering,
  target = messages,
): Promise<number> {
  const controller = new AbortController()
  let joinedAt = 0
  let processed = 0
  let finishedAt = 0

  await runParallelConsumer(
    {
      connection: { brokers, clientId: 'kbench-bench-engine' },
      kafka: () => createKafka({ brokers, clientId: 'kbench-bench-engine' }),
      topic,
      groupId: `kbench-bench-${randomUUID().slice(0, 8)}`,
      handler,
      workSpec,
      flags: {},
      report: () => {
        processed++
        if (processed === target) {
          finishedAt = performance.now()
          controller.abort()
        }
      },
      joined: () => (joinedAt = performance.now()),
      gauges: () => {},
      signal: controller.signal,
      runEngine: () => Promise.reject(new Error('not used by this measurement')),
      logger: silentLogger,
    },
    { executor: createAsyncExecutor(handler), concurrency, ordering },
  )

  return (finishedAt - joinedAt) / 1000
}

/** Consumes the backlog with kafkajs's eachMessage on 8 partitions at once. */
async function runKafkajs(
  brokers: string[],
  topic: string,
  handler: MessageHandler,
  target: number,
): Promise<number> {
  const kafka = createKafka({ brokers, clientId: 'kbench-bench-engine' })
  const consumer = kafka.consumer({ groupId: `kbench-bench-${randomUUID().slice(0, 8)}` })
  let joinedAt = 0
  let processed = 0
  let done!: () => void
  const finished = new Promise<void>((resolve) => (done = resolve))

  consumer.on(consumer.events.GROUP_JOIN, () => (joinedAt ||= performance.now()))
  await consumer.connect()
  await consumer.subscribe({ topics: [topic], fromBeginning: true })
  await consumer.run({
    partitionsConsumedConcurrently: 8,
    eachMessage: async ({ topic: from, partition, message }) => {
      await handler({
        topic: from,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: {},
      })
      processed++
      if (processed === target) done()
    },
  })

  await finished
  const seconds = (performance.now() - joinedAt) / 1000
  await consumer.disconnect()

  return seconds
}

async function main(): Promise<void> {
  let cluster: LocalClusterState | undefined
  let brokers = process.env.KBENCH_BROKERS?.split(',')
  if (!brokers) {
    console.error('starting a local broker…')
    cluster = await startLocalCluster({ logger: silentLogger })
    brokers = [cluster.bootstrap]
  }

  const outcomes: Outcome[] = []
  const record = (scenario: string, seconds: number, processed = messages) => {
    const outcome = { scenario, processed, seconds, rate: processed / seconds }
    outcomes.push(outcome)
    console.error(`${scenario}: ${outcome.rate.toFixed(0)} msg/s`)
  }

  try {
    const handler = await createHandler(parseWorkSpec(workSpec))
    const noop = await createHandler({ kind: 'noop' })

    for (const keys of [keyCount, 1]) {
      const topic = `kbench-bench-${randomUUID().slice(0, 8)}`
      await produce(brokers, topic, keys)

      const label = `${keys} keys`
      const keyOrderTarget = keys < concurrency ? SLOW_SCENARIO_MESSAGES : messages
      record(`engine, ${label}, key order, noop`, await runEngine(brokers, topic, noop, 'key'))
      record(
        `engine, ${label}, key order, ${workSpec}`,
        await runEngine(brokers, topic, handler, 'key', keyOrderTarget),
        keyOrderTarget,
      )
      record(
        `engine, ${label}, unordered, ${workSpec}`,
        await runEngine(brokers, topic, handler, 'unordered'),
      )
      if (keys === keyCount) {
        record(
          `kafkajs eachMessage, partitionsConsumedConcurrently 8, ${workSpec}`,
          await runKafkajs(brokers, topic, handler, SLOW_SCENARIO_MESSAGES),
          SLOW_SCENARIO_MESSAGES,
        )
      }
    }
  } finally {
    if (cluster) await stopLocalCluster(cluster, { graceMs: 10_000 })
  }

  const work = parseWorkSpec(workSpec)
  const bound = work.kind === 'sleep' && work.ms > 0 ? (concurrency * 1000) / work.ms : undefined

  console.log(
    `\n${messages} messages, ${partitions} partitions, concurrency ${concurrency}, work ${workSpec}` +
      (bound ? `; bound concurrency / work time = ${bound.toFixed(0)} msg/s` : ''),
  )
  console.log('| scenario | messages | seconds | msg/s | of bound |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const { scenario, processed, seconds, rate } of outcomes) {
    const share = bound && !scenario.endsWith('noop') ? `${((100 * rate) / bound).toFixed(0)}%` : ''
    console.log(
      `| ${scenario} | ${processed} | ${seconds.toFixed(2)} | ${rate.toFixed(0)} | ${share} |`,
    )
  }
}

await main()

/**
 * The concurrent-partitions consumer mode: a plain kafkajs consumer with `eachMessage`, like
 * kbench's baseline, but with `partitionsConsumedConcurrently` so that several partitions are
 * processed at the same time. Messages of one partition still run one after another, so the
 * mode promises per-partition order.
 *
 * The file has no imports from kbench: a mode is plain data and a `run` function, checked by
 * kbench when the plugin answers the `kbench:modes` hook. The JSDoc types resolve when kbench
 * is installed next to the plugin (see the README) and cost nothing at run time.
 */
import { performance } from 'node:perf_hooks'

/** @typedef {import('kbench').ConsumerMode<{ concurrency: number }>} ConcurrentPartitionsMode */
/** @typedef {import('kbench').ModeContext<{ concurrency: number }>} Context */
/** @typedef {import('kbench').HandlerMessage} HandlerMessage */
/** @typedef {import('kafkajs').KafkaMessage} KafkaMessage */

/**
 * Header values as text, the way kbench's handlers expect them.
 *
 * @param {KafkaMessage['headers']} headers
 * @returns {Record<string, string>}
 */
function headersAsText(headers = {}) {
  /** @type {Record<string, string>} */
  const text = {}

  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value
    if (first !== undefined) text[name] = first.toString()
  }

  return text
}

/**
 * The message a kbench handler receives for one fetched Kafka message.
 *
 * @param {string} topic
 * @param {number} partition
 * @param {KafkaMessage} message
 * @returns {HandlerMessage}
 */
function toHandlerMessage(topic, partition, message) {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: headersAsText(message.headers),
  }
}

/**
 * How many partitions the topic has, so that no more partitions are consumed at once than
 * exist.
 *
 * @param {Context} context
 * @returns {Promise<number>}
 */
async function countPartitions(context) {
  const admin = context.kafka().admin()
  await admin.connect()

  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [context.topic] })

    return topics[0]?.partitions.length ?? 1
  } finally {
    await admin.disconnect()
  }
}

/**
 * Resolves when the run is over: every produced message processed, a timeout, or Ctrl-C.
 *
 * @param {AbortSignal} signal
 * @returns {Promise<void>}
 */
function untilAborted(signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    signal.addEventListener('abort', () => resolve(), { once: true })
  })
}

/** @type {ConcurrentPartitionsMode} */
export const concurrentPartitionsMode = {
  name: 'concurrent-partitions',
  description: 'kafkajs eachMessage with partitionsConsumedConcurrently, one message per partition',
  ordering: 'partition',
  flags: {
    concurrency: {
      kind: 'integer',
      summary: 'Most partitions processed at once; never more than the topic has.',
      default: 8,
      min: 1,
    },
  },

  async run(context) {
    const partitions = await countPartitions(context)
    const concurrency = Math.min(context.flags.concurrency, partitions)
    const consumer = context.kafka().consumer({ groupId: context.groupId })
    let inFlight = 0
    /** @type {Error | undefined} */
    let crash

    consumer.on(consumer.events.GROUP_JOIN, () => context.joined())
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) crash = event.payload.error
    })

    context.logger.debug(
      `concurrent-partitions: ${concurrency} of the ${partitions} partitions of ${context.topic} at once`,
    )
    await consumer.connect()

    try {
      await consumer.subscribe({ topic: context.topic, fromBeginning: true })
      await consumer.run({
        partitionsConsumedConcurrently: concurrency,
        eachMessage: async ({ topic, partition, message }) => {
          const receivedAt = performance.now()
          context.gauges({ inFlight: ++inFlight })

          try {
            const startedAt = performance.now()
            await context.handler(toHandlerMessage(topic, partition, message))
            const finishedAt = performance.now()

            context.report({
              topic,
              partition,
              message,
              timing: { receivedAt, startedAt, finishedAt },
            })
          } finally {
            context.gauges({ inFlight: --inFlight })
          }
        },
      })

      await untilAborted(context.signal)
    } finally {
      // stop() lets the messages in progress finish and commits what kafkajs resolved.
      await consumer.stop()
      await consumer.disconnect()
    }

    if (crash) {
      throw new Error(
        `The concurrent-partitions consumer of group ${context.groupId} crashed: ${crash.message}`,
        { cause: crash },
      )
    }
  },
}

/**
 * The plugin's answer to kbench's `kbench:modes` hook: the modes it contributes.
 *
 * @returns {Promise<ConcurrentPartitionsMode[]>}
 */
export default async function modes() {
  return [concurrentPartitionsMode]
}

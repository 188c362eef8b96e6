import { createKafka } from '../../kafka/client.js'
import { ExitCode, KbenchError, describeError } from '../../errors.js'
import { defineMode } from '../../modes/types.js'
import { toHandlerMessage } from '../../workload/message-format.js'

/**
 * The sequential baseline: a plain kafkajs consumer with `eachMessage`, one partition at a
 * time and kafkajs's default commits. It is what most code starts as, and the yardstick the
 * other modes are measured against.
 */
export const baselineMode = defineMode({
  name: 'baseline',
  description: 'kafkajs eachMessage, one message at a time, default auto-commit',
  ordering: 'partition',

  async run(context) {
    const consumer = createKafka(context.connection).consumer({ groupId: context.groupId })
    let crash: Error | undefined

    consumer.on(consumer.events.GROUP_JOIN, () => context.joined())
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) crash = event.payload.error
    })

    await consumer.connect()

    try {
      await consumer.subscribe({ topic: context.topic, fromBeginning: true })
      await consumer.run({
        partitionsConsumedConcurrently: 1,
        eachMessage: async ({ topic, partition, message }) => {
          const startedAt = performance.now()
          // Awaiting only a returned promise spares a synchronous handler a microtask turn.
          const pending = context.handler(toHandlerMessage(topic, partition, message))
          if (pending) await pending
          const finishedAt = performance.now()

          context.report({
            topic,
            partition,
            message,
            timing: { receivedAt: startedAt, startedAt, finishedAt },
          })
        },
      })

      await new Promise<void>((resolve) => {
        if (context.signal.aborted) return resolve()
        context.signal.addEventListener('abort', () => resolve(), { once: true })
      })
    } finally {
      // disconnect() stops the runner, which commits the offsets resolved so far.
      await consumer.disconnect()
    }

    if (crash) {
      throw new KbenchError(
        'CONSUMER_CRASHED',
        `The baseline consumer of group ${context.groupId} crashed: ${describeError(crash)}`,
        { exitCode: ExitCode.RunFailed, cause: crash },
      )
    }
  },
})

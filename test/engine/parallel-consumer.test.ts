import { setTimeout as sleep } from 'node:timers/promises'

import { expect } from 'chai'
import type { Admin } from 'kafkajs'

import { isKbenchError } from '../../src/errors.js'
import { createAsyncExecutor } from '../../src/engine/executors/async-executor.js'
import { runParallelConsumer, type EngineSummary } from '../../src/engine/parallel-consumer.js'
import type { Ordering } from '../../src/engine/scheduler.js'
import type { MessageHandler } from '../../src/workload/handler.js'
import { eventually, testKafka, uniqueName } from '../helpers/kafka.js'
import {
  committedAndEndOffsets,
  createTopic,
  produceKeyed,
  Recorder,
  SEQ_HEADER,
  testContext,
} from './engine-fixture.js'

/** Handler work of 0 to 3 ms, different for every message. */
const randomSleep: MessageHandler = async () => {
  await sleep(Math.floor(Math.random() * 4))
}

function expectCommittedAtEnd(offsets: {
  committed: Record<number, string>
  end: Record<number, string>
}): void {
  for (const [partition, end] of Object.entries(offsets.end)) {
    const committed = offsets.committed[Number(partition)]
    const expected = end === '0' ? ['-1', '0'] : [end]
    expect(expected, `partition ${partition} committed ${committed}, end ${end}`).to.include(
      committed,
    )
  }
}

describe('the parallel consumer engine on a real broker', function () {
  this.timeout(90_000)

  let admin: Admin

  before(async () => {
    admin = testKafka().admin()
    await admin.connect()
  })

  after(async () => {
    await admin.disconnect()
  })

  for (const ordering of ['key', 'partition'] as Ordering[]) {
    it(`processes every message exactly once, in ${ordering} order, and commits the end offsets`, async () => {
      const topic = await createTopic(admin, 16)
      const groupId = uniqueName('group')
      const count = 4000
      await produceKeyed(topic, count, 200)

      const recorder = new Recorder(count)
      const consumer = testContext({ topic, groupId, recorder, handler: randomSleep })
      const running = runParallelConsumer(consumer.context, {
        executor: createAsyncExecutor(randomSleep),
        ordering,
        concurrency: 32,
      })

      await recorder.complete(60_000)
      consumer.controller.abort()
      const summary = await running

      const { lost, duplicates, orderingViolations } = recorder.verify()
      expect(lost).to.equal(0)
      expect(duplicates).to.deep.equal([])
      expect(orderingViolations).to.deep.equal([])
      if (ordering === 'partition') expect(recorder.partitionOrderViolations()).to.deep.equal([])

      expect(summary.processed).to.equal(count)
      expectCommittedAtEnd(await committedAndEndOffsets(admin, topic, groupId))
    })
  }

  it('loses nothing and keeps key order when a second consumer joins mid-run', async () => {
    const topic = await createTopic(admin, 16)
    const groupId = uniqueName('group')
    const count = 6000
    await produceKeyed(topic, count, 300)

    const recorder = new Recorder(count)
    let secondJoined = false
    let releaseFirst!: () => void
    const firstMayGoOn = new Promise<void>((resolve) => (releaseFirst = resolve))

    // The first consumer stalls its handlers a quarter of the way through until the second
    // one holds its partitions, so the rebalance happens with work in flight.
    const firstHandler: MessageHandler = async (message) => {
      if (!secondJoined && recorder.distinct >= count / 4) await firstMayGoOn
      await randomSleep(message)
    }

    const first = testContext({ topic, groupId, recorder, handler: firstHandler, name: 'first' })
    const firstRun = runParallelConsumer(first.context, {
      executor: createAsyncExecutor(firstHandler),
      concurrency: 16,
    })

    await first.joined
    await eventually(
      'the first consumer to process a quarter of the messages',
      async () => recorder.distinct >= count / 4,
      30_000,
    )

    const rebalanceStartedAt = performance.now()
    const second = testContext({ topic, groupId, recorder, handler: randomSleep, name: 'second' })
    const secondRun = runParallelConsumer(second.context, {
      executor: createAsyncExecutor(randomSleep),
      concurrency: 16,
    })

    await second.joined
    secondJoined = true
    releaseFirst()

    await recorder.complete(60_000)
    first.controller.abort()
    second.controller.abort()
    const [firstSummary, secondSummary] = await Promise.all([firstRun, secondRun])

    const { lost, duplicates, orderingViolations } = recorder.verify()
    expect(lost).to.equal(0)
    expect(orderingViolations).to.deep.equal([])
    expect(
      duplicates.filter((seen) => seen.at < rebalanceStartedAt),
      'duplicates before the rebalance',
    ).to.deep.equal([])

    expect(firstSummary.rebalances).to.be.at.least(1)
    expect(recorder.seen.some((seen) => seen.consumer === 'second')).to.equal(true)
    expect(firstSummary.processed + secondSummary.processed).to.equal(recorder.seen.length)

    console.error(
      `      ${duplicates.length} duplicates after the rebalance; first: ${summarize(firstSummary)}; second: ${summarize(secondSummary)}`,
    )
    expectCommittedAtEnd(await committedAndEndOffsets(admin, topic, groupId))
  })

  it('retries a handler that fails twice and then succeeds', async () => {
    const topic = await createTopic(admin, 4)
    const groupId = uniqueName('group')
    const count = 500
    await produceKeyed(topic, count, 50)

    const failures = new Map<string, number>()
    const flaky: MessageHandler = (message) => {
      if (Number(message.headers[SEQ_HEADER]) !== 3) return

      const id = `${message.partition}:${message.offset}`
      const failed = failures.get(id) ?? 0
      if (failed < 2) {
        failures.set(id, failed + 1)
        throw new Error(`transient failure ${failed + 1}`)
      }
    }

    const recorder = new Recorder(count)
    const consumer = testContext({ topic, groupId, recorder, handler: flaky })
    const running = runParallelConsumer(consumer.context, {
      executor: createAsyncExecutor(flaky),
      retryBackoffMs: 5,
    })

    await recorder.complete(30_000)
    consumer.controller.abort()
    const summary = await running

    expect(failures.size).to.equal(50)
    expect(summary.retries).to.equal(100)
    expect(summary.failed).to.equal(0)
    expect(recorder.seen.filter((seen) => seen.failed)).to.deep.equal([])
    expect(recorder.verify().orderingViolations).to.deep.equal([])
    expectCommittedAtEnd(await committedAndEndOffsets(admin, topic, groupId))
  })

  it('reports a message that always fails as failed and goes on when failures are skipped', async () => {
    const topic = await createTopic(admin, 4)
    const groupId = uniqueName('group')
    const count = 400
    await produceKeyed(topic, count, 40)

    const broken: MessageHandler = (message) => {
      if (message.key?.toString() === 'key-7' && message.headers[SEQ_HEADER] === '2') {
        throw new Error('this message cannot be handled')
      }
    }

    const recorder = new Recorder(count)
    const consumer = testContext({ topic, groupId, recorder, handler: broken })
    const running = runParallelConsumer(consumer.context, {
      executor: createAsyncExecutor(broken),
      onFailure: 'skip',
      maxRetries: 2,
      retryBackoffMs: 5,
    })

    await recorder.complete(30_000)
    consumer.controller.abort()
    const summary = await running

    const failed = recorder.seen.filter((seen) => seen.failed)
    expect(failed.map(({ key, seq }) => ({ key, seq }))).to.deep.equal([{ key: 'key-7', seq: 2 }])
    expect(summary.failed).to.equal(1)
    expect(summary.retries).to.equal(2)
    expect(consumer.warnings.join('\n')).to.match(/partition \d+ offset \d+/)
    expect(recorder.verify().lost).to.equal(0)
    expectCommittedAtEnd(await committedAndEndOffsets(admin, topic, groupId))
  })

  it('fails the run naming the message when a handler fails for good', async () => {
    const topic = await createTopic(admin, 2)
    const groupId = uniqueName('group')
    await produceKeyed(topic, 100, 10)

    const broken: MessageHandler = (message) => {
      if (message.key?.toString() === 'key-4' && message.headers[SEQ_HEADER] === '5') {
        throw new Error('the database said no')
      }
    }

    const recorder = new Recorder(100)
    const consumer = testContext({ topic, groupId, recorder, handler: broken })
    const failure = await runParallelConsumer(consumer.context, {
      executor: createAsyncExecutor(broken),
      maxRetries: 1,
      retryBackoffMs: 5,
    }).then(
      () => undefined,
      (error: unknown) => error,
    )

    expect(isKbenchError(failure) && failure.code).to.equal('MESSAGE_FAILED')
    expect(String((failure as Error).message)).to.match(
      new RegExp(`${topic} partition \\d+ offset \\d+ after 2 attempts: the database said no`),
    )
    expect(recorder.seen.some((seen) => seen.key === 'key-4' && seen.seq >= 5)).to.equal(false)
  })

  it('keeps the buffer within its bound while a 200,000-message backlog drains', async function () {
    this.timeout(150_000)

    const topic = await createTopic(admin, 8)
    const groupId = uniqueName('group')
    const count = 200_000
    await produceKeyed(topic, count, 1000)

    const noop: MessageHandler = () => {}
    const recorder = new Recorder(count)
    const consumer = testContext({ topic, groupId, recorder, handler: noop })
    const concurrency = 32
    const maxBuffered = 4 * concurrency
    const running = runParallelConsumer(consumer.context, {
      executor: createAsyncExecutor(noop),
      concurrency,
    })

    await recorder.complete(120_000)
    consumer.controller.abort()
    const summary = await running

    const peak = consumer.gauges.reduce((most, gauge) => Math.max(most, gauge.buffered ?? 0), 0)
    expect(peak).to.be.at.most(maxBuffered)
    expect(summary.peakBuffered).to.be.at.most(maxBuffered)
    expect(consumer.gauges.some((gauge) => (gauge.pausedPartitions ?? 0) > 0)).to.equal(true)
    expect(summary.pauses).to.be.greaterThan(0)
    expect(recorder.verify().lost).to.equal(0)
    expectCommittedAtEnd(await committedAndEndOffsets(admin, topic, groupId))
    console.error(
      `      peak buffered ${summary.peakBuffered} of ${maxBuffered}, peak waiting ${summary.peakWaiting}, ${summary.pauses} pauses`,
    )
  })
})

function summarize(summary: EngineSummary): string {
  return `processed ${summary.processed}, fenced ${summary.fencedCompletions}, refetched ${summary.refetchedDropped}, revoked-dropped ${summary.revokedDropped}, rebalances ${summary.rebalances}`
}

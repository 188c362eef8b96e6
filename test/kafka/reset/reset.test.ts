import { expect } from 'chai'
import type { Admin, Consumer, Kafka } from 'kafkajs'

import { KbenchError } from '../../../src/errors.js'
import { planReset } from '../../../src/kafka/reset/plan.js'
import { resetKafka } from '../../../src/kafka/reset/reset.js'
import { eventually, testBrokers, testKafka, uniqueName } from '../../helpers/kafka.js'
import { commitToEnd, committedOffsets, messageCount, produceBacklog } from './backlog.js'

async function expectFailure(work: Promise<unknown>): Promise<KbenchError> {
  const error = await work.then(
    () => expect.fail('expected the reset to fail'),
    (caught: unknown) => caught,
  )
  expect(error).to.be.instanceOf(KbenchError)

  return error as KbenchError
}

describe('resetting topics and groups on a real broker', function () {
  this.timeout(90_000)

  let kafka: Kafka
  let admin: Admin

  before(async () => {
    kafka = testKafka()
    admin = kafka.admin()
    await admin.connect()
  })

  after(async () => {
    await admin.disconnect()
  })

  it('empties two topics, recreates them with the requested partitions and removes the committed offsets', async () => {
    const [first, second, group] = [uniqueName('a'), uniqueName('b'), uniqueName('g')]
    await produceBacklog(kafka, first, 500)
    await produceBacklog(kafka, second, 300)
    await commitToEnd(admin, group, first)
    await commitToEnd(admin, group, second)
    expect(await committedOffsets(admin, group)).to.have.length(6)

    const report = await resetKafka({
      connection: { brokers: testBrokers() },
      topics: { [first]: { partitions: 5 }, [second]: { partitions: 2 } },
      groups: [group],
    })

    for (const topic of [first, second]) {
      const offsets = await admin.fetchTopicOffsets(topic)
      expect(offsets.map(({ low, high }) => [low, high])).to.deep.equal(
        offsets.map(() => ['0', '0']),
      )
    }
    expect(await admin.fetchTopicOffsets(first)).to.have.length(5)
    expect(await admin.fetchTopicOffsets(second)).to.have.length(2)
    expect(await committedOffsets(admin, group)).to.deep.equal([])

    expect(
      report.topics.map((topic) => [topic.topic, topic.existed, topic.messagesDeleted]),
    ).to.deep.equal([
      [first, true, 500],
      [second, true, 300],
    ])
    expect(report.topics[0]?.watermarks).to.have.length(5)
    expect(report.topics[0]?.watermarks.every((p) => p.low === '0' && p.high === '0')).to.equal(
      true,
    )
    expect(report.groups).to.deep.equal([
      { groupId: group, existed: true, stateBefore: 'Empty', committedOffsets: 0 },
    ])
    expect(report.steps.map((step) => step.step)).to.deep.equal([
      'connect',
      'inspect',
      'check-groups',
      'delete-groups',
      'delete-topics',
      'create-topics',
      'verify',
    ])
    expect(report.attempts).to.equal(report.steps.reduce((sum, step) => sum + step.attempts, 0))
  })

  it('creates topics and forgets groups that did not exist', async () => {
    const [topic, group] = [uniqueName('fresh'), uniqueName('fresh-group')]

    const report = await resetKafka({
      connection: { brokers: testBrokers() },
      topics: { [topic]: { partitions: 3, configs: { 'retention.ms': '600000' } } },
      groups: [group],
    })

    expect(report.topics[0]?.existed).to.equal(false)
    expect(report.groups[0]?.existed).to.equal(false)
    expect(await admin.fetchTopicOffsets(topic)).to.have.length(3)
  })

  it('logs one line per step naming its topics or groups and its duration', async () => {
    const [topic, group] = [uniqueName('logged'), uniqueName('logged-group')]
    const lines: string[] = []

    await resetKafka({
      connection: { brokers: testBrokers() },
      topics: { [topic]: { partitions: 1 } },
      groups: [group],
      logger: { info: (line) => lines.push(line), warn() {}, debug() {} },
    })

    expect(lines).to.have.length(7)
    expect(lines.filter((line) => line.includes(topic))).to.have.length(3)
    expect(lines.filter((line) => line.includes(group))).to.have.length(4)
    for (const line of lines) expect(line).to.match(/ in \d+ ms$/)
  })

  it('fails within its time budget, naming the client id, while a consumer is still a member', async () => {
    const [topic, group] = [uniqueName('live'), uniqueName('live-group')]
    await produceBacklog(kafka, topic, 10, 1)

    const consumer: Consumer = testKafka().consumer({ groupId: group })
    await consumer.connect()
    await consumer.subscribe({ topic, fromBeginning: true })
    await consumer.run({ eachMessage: async () => {} })

    try {
      await eventually('the consumer to join its group', async () => {
        const { groups } = await admin.describeGroups([group])
        return groups[0]?.state === 'Stable'
      })

      const started = Date.now()
      const error = await expectFailure(
        resetKafka({
          connection: { brokers: testBrokers() },
          topics: { [topic]: { partitions: 1 } },
          groups: [group],
          timeoutMs: 1500,
        }),
      )

      expect(Date.now() - started).to.be.below(10_000)
      expect(error.code).to.equal('RESET_GROUP_ACTIVE')
      expect(error.exitCode).to.equal(5)
      expect(error.message).to.include(group)
      expect(error.message).to.include('kbench-test')
      expect(await messageCount(admin, topic)).to.equal(10)
    } finally {
      await consumer.disconnect()
    }
  })

  it('fails fast on an unreachable broker, naming its address', async () => {
    const started = Date.now()

    const error = await expectFailure(
      resetKafka({
        connection: { brokers: ['127.0.0.1:1'] },
        topics: { [uniqueName('nowhere')]: { partitions: 1 } },
        groups: [],
        backoff: { initial: 50 },
      }),
    )

    expect(Date.now() - started).to.be.below(10_000)
    expect(error.code).to.equal('BROKER_UNREACHABLE')
    expect(error.exitCode).to.equal(4)
    expect(error.message).to.include('127.0.0.1:1')
    expect(error.message).to.include('after 4 attempts')
  })

  it("refuses Kafka's internal topics and groups before connecting", async () => {
    const error = await expectFailure(
      resetKafka({
        connection: { brokers: ['127.0.0.1:1'] },
        topics: { __consumer_offsets: { partitions: 50 } },
        groups: [],
      }),
    )

    expect(error.code).to.equal('RESET_INTERNAL_NAME')
    expect(error.message).to.include('__consumer_offsets')
  })

  it('refuses to empty a topic outside the allow pattern unless the reset is confirmed', async () => {
    const topic = `orders-${uniqueName('x')}`
    await produceBacklog(kafka, topic, 25, 1)
    const target = {
      connection: { brokers: testBrokers() },
      topics: { [topic]: { partitions: 1 } },
      groups: [],
    }

    const error = await expectFailure(resetKafka(target))

    expect(error.code).to.equal('RESET_NOT_CONFIRMED')
    expect(error.message).to.include(topic)
    expect(error.message).to.include('25 messages')
    expect(error.message).to.include('^(kbench-|bench-)')
    expect(await messageCount(admin, topic)).to.equal(25)

    await resetKafka({ ...target, confirmed: true })
    expect(await messageCount(admin, topic)).to.equal(0)
  })

  it('plans a reset without changing anything', async () => {
    const [topic, absent, group] = [uniqueName('planned'), uniqueName('absent'), uniqueName('pg')]
    await produceBacklog(kafka, topic, 40, 2)
    await commitToEnd(admin, group, topic)

    const plan = await planReset({
      connection: { brokers: testBrokers() },
      topics: { [topic]: { partitions: 4 }, [absent]: { partitions: 1 } },
      groups: [group],
    })

    expect(
      plan.topics.map((t) => [t.topic, t.exists, t.currentPartitions, t.messages]),
    ).to.deep.equal([
      [topic, true, 2, 40],
      [absent, false, 0, 0],
    ])
    expect(plan.groups).to.deep.equal([
      { groupId: group, exists: true, state: 'Empty', members: [] },
    ])
    expect(await messageCount(admin, topic)).to.equal(40)
    expect(await committedOffsets(admin, group)).to.have.length(2)
    expect(await admin.listTopics()).to.not.include(absent)
  })
})

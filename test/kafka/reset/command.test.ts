import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import type { Admin, Kafka } from 'kafkajs'

import type { ResetPlan } from '../../../src/kafka/reset/plan.js'
import type { ResetReport } from '../../../src/kafka/reset/reset.js'
import { testBrokers, testKafka, uniqueName } from '../../helpers/kafka.js'
import { commitToEnd, committedOffsets, messageCount, produceBacklog } from './backlog.js'

describe('kbench kafka:reset', function () {
  this.timeout(90_000)

  let kafka: Kafka
  let admin: Admin
  let brokers: string

  before(async () => {
    kafka = testKafka()
    admin = kafka.admin()
    await admin.connect()
    brokers = testBrokers().join(',')
  })

  after(async () => {
    await admin.disconnect()
  })

  it('resets the named topics and groups and prints the evidence as JSON', async () => {
    const [topic, group] = [uniqueName('cmd'), uniqueName('cmd-group')]
    await produceBacklog(kafka, topic, 120, 2)
    await commitToEnd(admin, group, topic)

    const { result, error } = await runCommand<ResetReport>([
      'kafka:reset',
      '--brokers',
      brokers,
      '--topics',
      topic,
      '--groups',
      group,
      '--partitions',
      '6',
      '--json',
    ])

    expect(error).to.equal(undefined)
    expect(result?.topics[0]).to.include({ topic, messagesDeleted: 120, partitions: 6 })
    expect(await admin.fetchTopicOffsets(topic)).to.have.length(6)
    expect(await messageCount(admin, topic)).to.equal(0)
    expect(await committedOffsets(admin, group)).to.deep.equal([])
  })

  it('changes nothing with --dry-run', async () => {
    const [topic, group] = [uniqueName('dry'), uniqueName('dry-group')]
    await produceBacklog(kafka, topic, 30, 1)
    await commitToEnd(admin, group, topic)

    const { result, stdout, error } = await runCommand<ResetPlan>([
      'kafka:reset',
      '--brokers',
      brokers,
      '--topics',
      topic,
      '--groups',
      group,
      '--dry-run',
    ])

    expect(error).to.equal(undefined)
    expect(stdout).to.include('nothing was changed')
    expect(stdout).to.include(`topic ${topic}: exists with 1 partitions and 30 messages`)
    expect(result?.groups[0]).to.include({ groupId: group, state: 'Empty' })
    expect(await messageCount(admin, topic)).to.equal(30)
    expect(await committedOffsets(admin, group)).to.have.length(1)
  })

  it('refuses __consumer_offsets with a usage error', async () => {
    const { error } = await runCommand([
      'kafka:reset',
      '--brokers',
      brokers,
      '--topics',
      '__consumer_offsets',
    ])

    expect(error?.message).to.include('__consumer_offsets')
    expect(error?.oclif?.exit).to.equal(2)
    expect(await admin.listTopics()).to.include('__consumer_offsets')
  })

  it('refuses without --yes, and without a terminal to ask, to empty a topic outside the allow pattern', async () => {
    const topic = `payments-${uniqueName('x')}`
    await produceBacklog(kafka, topic, 15, 1)

    const refused = await runCommand(['kafka:reset', '--brokers', brokers, '--topics', topic])

    expect(refused.error?.message).to.include(`${topic} (15 messages)`)
    expect(refused.error?.message).to.include('^(kbench-|bench-)')
    expect(refused.error?.oclif?.exit).to.equal(5)
    expect(await messageCount(admin, topic)).to.equal(15)

    const confirmed = await runCommand([
      'kafka:reset',
      '--brokers',
      brokers,
      '--topics',
      topic,
      '--yes',
    ])

    expect(confirmed.error).to.equal(undefined)
    expect(await messageCount(admin, topic)).to.equal(0)
  })

  const invalid: Array<[string, string[], string]> = [
    ['zero partitions', ['--partitions', '0'], '--partitions must be 1 or more'],
    ['a malformed timeout', ['--timeout', 'soon'], '--timeout expects a duration'],
    [
      'an invalid topic name',
      ['--topics', 'kbench-ok,bad/name'],
      '--topics has invalid topic names',
    ],
    ['zero replicas', ['--replication-factor', '0'], '--replication-factor must be 1 or more'],
  ]

  for (const [what, flags, expected] of invalid) {
    it(`rejects ${what} with a usage error that names the flag`, async () => {
      const topics = flags.includes('--topics') ? [] : ['--topics', 'kbench-x']
      const { error } = await runCommand(['kafka:reset', '--brokers', brokers, ...topics, ...flags])

      expect(error?.message).to.include(expected)
      expect(error?.oclif?.exit).to.equal(2)
    })
  }

  it('fails within a minute on an unreachable broker, naming its address', async () => {
    const started = Date.now()

    const { error } = await runCommand([
      'kafka:reset',
      '--brokers',
      '127.0.0.1:1',
      '--topics',
      uniqueName('nowhere'),
    ])

    expect(Date.now() - started).to.be.below(60_000)
    expect(error?.message).to.include('127.0.0.1:1')
    expect(error?.oclif?.exit).to.equal(4)
  })
})

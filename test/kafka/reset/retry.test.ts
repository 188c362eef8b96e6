import { expect } from 'chai'

import { KbenchError } from '../../../src/errors.js'
import { classifyFailure } from '../../../src/kafka/reset/classify.js'
import type { ResetOptions } from '../../../src/kafka/reset/options.js'
import { resetKafka } from '../../../src/kafka/reset/reset.js'
import {
  aggregate,
  brokerError,
  connectionRefused,
  deleteGroupsError,
  exhausted,
  FakeAdmin,
  saslFailure,
} from './fake-admin.js'

function target(admin: FakeAdmin, overrides: Partial<ResetOptions> = {}): ResetOptions {
  return {
    connection: { brokers: ['127.0.0.1:9092'] },
    topics: { 'kbench-orders': { partitions: 4 } },
    groups: ['kbench-group'],
    retries: 3,
    timeoutMs: 5000,
    backoff: { initial: 1, max: 4, factor: 2 },
    createAdmin: () => admin,
    ...overrides,
  }
}

async function failure(work: Promise<unknown>): Promise<KbenchError> {
  const error = await work.then(
    () => expect.fail('expected the reset to fail'),
    (caught: unknown) => caught,
  )
  expect(error).to.be.instanceOf(KbenchError)

  return error as KbenchError
}

describe('retrying a reset through transient Kafka errors', () => {
  const transient: Array<[string, () => Error]> = [
    ['a request that timed out', () => exhausted(brokerError('REQUEST_TIMED_OUT'))],
    [
      'a request sent to a broker that is no longer controller',
      () => exhausted(brokerError('NOT_CONTROLLER')),
    ],
    [
      'a coordinator that is not available',
      () => exhausted(brokerError('COORDINATOR_NOT_AVAILABLE')),
    ],
    [
      'a coordinator that is still loading',
      () => exhausted(brokerError('COORDINATOR_LOAD_IN_PROGRESS')),
    ],
    ['a group coordinator that is loading', () => exhausted(brokerError('GROUP_LOAD_IN_PROGRESS'))],
    ['a partition without a leader', () => exhausted(brokerError('LEADER_NOT_AVAILABLE'))],
    ['a refused connection', () => exhausted(connectionRefused())],
  ]

  for (const [kind, make] of transient) {
    it(`retries ${kind} and succeeds on the third attempt`, async () => {
      const admin = new FakeAdmin().failNext('deleteGroups', 2, make)

      const report = await resetKafka(target(admin))

      expect(admin.calls.deleteGroups).to.equal(3)
      expect(report.steps.find((step) => step.step === 'delete-groups')?.attempts).to.equal(3)
    })
  }

  it('makes exactly retries + 1 attempts and then names the step, the group, the Kafka error and the manual cleanup', async () => {
    const admin = new FakeAdmin().failAlways('deleteGroups', () =>
      exhausted(brokerError('REQUEST_TIMED_OUT')),
    )

    const error = await failure(resetKafka(target(admin, { retries: 3 })))

    expect(admin.calls.deleteGroups).to.equal(4)
    expect(error.code).to.equal('RESET_FAILED')
    expect(error.exitCode).to.equal(5)
    expect(error.message).to.include('delete the consumer groups')
    expect(error.message).to.include('group kbench-group')
    expect(error.message).to.include('REQUEST_TIMED_OUT')
    expect(error.message).to.include('after 4 attempts')
    expect(error.message).to.include(
      'kafka-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --delete --group kbench-group',
    )
    expect(error.message).to.include(
      'kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --create --topic kbench-orders --partitions 4 --replication-factor 1',
    )
    expect(admin.calls.disconnect).to.equal(1)
  })

  it('names the topic whose creation kept failing', async () => {
    const admin = new FakeAdmin()
    admin.topics.set('kbench-orders', 2)
    admin.createTopicsAnswersFalse = 100

    const error = await failure(resetKafka(target(admin, { retries: 2 })))

    expect(admin.calls.createTopics).to.equal(3)
    expect(error.message).to.include('create the topics (topic kbench-orders)')
    expect(error.message).to.include('TOPIC_ALREADY_EXISTS')
  })

  it('retries a creation that kafkajs reports as already existing right after the deletion', async () => {
    const admin = new FakeAdmin()
    admin.topics.set('kbench-orders', 2)
    admin.createTopicsAnswersFalse = 1

    const report = await resetKafka(target(admin))

    expect(report.steps.find((step) => step.step === 'create-topics')?.attempts).to.equal(2)
    expect(admin.topics.get('kbench-orders')).to.equal(4)
  })

  it('treats a group that does not exist as deleted and retries only the groups that failed', async () => {
    const admin = new FakeAdmin().failNext('deleteGroups', 1, () =>
      deleteGroupsError([
        { groupId: 'kbench-gone', type: 'GROUP_ID_NOT_FOUND' },
        { groupId: 'kbench-busy', type: 'COORDINATOR_LOAD_IN_PROGRESS' },
      ]),
    )
    const deleted: string[][] = []
    const deleteGroups = admin.deleteGroups.bind(admin)
    admin.deleteGroups = async (groupIds) => {
      deleted.push(groupIds)
      return deleteGroups(groupIds)
    }

    await resetKafka(target(admin, { groups: ['kbench-gone', 'kbench-busy'] }))

    expect(deleted).to.deep.equal([['kbench-gone', 'kbench-busy'], ['kbench-busy']])
  })

  it('treats topics that vanished before their deletion as deleted', async () => {
    const admin = new FakeAdmin()
    admin.topics.set('kbench-orders', 1)
    admin.failNext('deleteTopics', 1, () => {
      // Someone else deleted it between the listing and the deletion.
      admin.topics.delete('kbench-orders')
      return exhausted(brokerError('UNKNOWN_TOPIC_OR_PARTITION'))
    })

    const report = await resetKafka(target(admin))

    expect(admin.calls.deleteTopics).to.equal(1)
    expect(report.topics[0]?.partitions).to.equal(4)
  })

  const refusals: Array<[string, () => Error]> = [
    ['TOPIC_AUTHORIZATION_FAILED', () => brokerError('TOPIC_AUTHORIZATION_FAILED', false)],
    [
      'GROUP_AUTHORIZATION_FAILED',
      () => deleteGroupsError([{ groupId: 'kbench-group', type: 'GROUP_AUTHORIZATION_FAILED' }]),
    ],
    ['CLUSTER_AUTHORIZATION_FAILED', () => exhausted(brokerError('CLUSTER_AUTHORIZATION_FAILED'))],
  ]

  for (const [kind, make] of refusals) {
    it(`stops at once on ${kind}, advising to fix the ACLs or skip the reset`, async () => {
      const admin = new FakeAdmin().failAlways('deleteGroups', make)

      const error = await failure(resetKafka(target(admin)))

      expect(admin.calls.deleteGroups).to.equal(1)
      expect(error.code).to.equal('RESET_NOT_AUTHORIZED')
      expect(error.suggestions.join(' ')).to.include('ACLs')
      expect(error.suggestions.join(' ')).to.include('--skip-reset')
    })
  }

  it('stops at once on a failed SASL authentication, as a connection failure naming no secret', async () => {
    const admin = new FakeAdmin().failAlways('deleteGroups', saslFailure)

    const error = await failure(resetKafka(target(admin)))

    expect(admin.calls.deleteGroups).to.equal(1)
    expect(error.code).to.equal('AUTHENTICATION_FAILED')
    expect(error.exitCode).to.equal(4)
  })

  it('does not retry an error that is not transient', async () => {
    const admin = new FakeAdmin().failAlways('createTopics', () =>
      aggregate([brokerError('INVALID_REPLICATION_FACTOR', false)]),
    )

    const error = await failure(resetKafka(target(admin)))

    expect(admin.calls.createTopics).to.equal(1)
    expect(error.message).to.include('INVALID_REPLICATION_FACTOR')
    expect(error.message).to.include('not retried')
  })

  it('reports an unreachable broker by its address after the last retry', async () => {
    const admin = new FakeAdmin().failAlways('connect', () => exhausted(connectionRefused()))

    const error = await failure(resetKafka(target(admin)))

    expect(admin.calls.connect).to.equal(4)
    expect(error.code).to.equal('BROKER_UNREACHABLE')
    expect(error.exitCode).to.equal(4)
    expect(error.message).to.include('127.0.0.1:9092')
  })
})

describe('classifying Kafka failures', () => {
  it('looks inside the retry wrapper of kafkajs at the broker error', () => {
    const classification = classifyFailure(exhausted(brokerError('NOT_CONTROLLER')))

    expect(classification.kind).to.equal('transient')
    expect(classification.causes.map((cause) => (cause as { type?: string }).type)).to.deep.equal([
      'NOT_CONTROLLER',
    ])
  })

  it('finds an authorization failure among the errors of an aggregate', () => {
    const failure = aggregate([
      brokerError('REQUEST_TIMED_OUT'),
      brokerError('TOPIC_AUTHORIZATION_FAILED', false),
    ])

    expect(classifyFailure(failure).kind).to.equal('authorization')
  })

  it('treats a mix of transient and unknown errors as fatal', () => {
    const failure = aggregate([brokerError('REQUEST_TIMED_OUT'), new Error('disk full')])

    expect(classifyFailure(failure).kind).to.equal('fatal')
  })

  it('marks refused connections as connection failures', () => {
    const classification = classifyFailure(exhausted(connectionRefused()))

    expect(classification).to.include({ kind: 'transient', connection: true })
  })
})

import {
  type GroupDescriptions,
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSDeleteGroupsError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs'

import type { ResetAdmin } from '../../../src/kafka/reset/options.js'

type Method = keyof ResetAdmin

/**
 * An admin client that keeps topics and groups in memory and fails on demand. It exists only
 * to produce errors a real broker cannot be made to produce at will; everything else is
 * tested on a real broker.
 */
export class FakeAdmin implements ResetAdmin {
  readonly calls: Record<string, number> = {}
  readonly topics = new Map<string, number>()
  readonly groups = new Set<string>()
  readonly #failures = new Map<Method, Array<() => unknown>>()
  /** How many times createTopics answers false, as kafkajs does when the topic exists. */
  createTopicsAnswersFalse = 0

  /** The next `times` calls of `method` fail with the error `make` returns. */
  failNext(method: Method, times: number, make: () => unknown): this {
    const queue = this.#failures.get(method) ?? []
    for (let index = 0; index < times; index += 1) queue.push(make)
    this.#failures.set(method, queue)

    return this
  }

  /** Every call of `method` fails with the error `make` returns. */
  failAlways(method: Method, make: () => unknown): this {
    return this.failNext(method, 1000, make)
  }

  #enter(method: Method): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1

    const failure = this.#failures.get(method)?.shift()
    if (failure) throw failure()
  }

  async connect(): Promise<void> {
    this.#enter('connect')
  }

  async disconnect(): Promise<void> {
    this.calls.disconnect = (this.calls.disconnect ?? 0) + 1
  }

  async listTopics(): Promise<string[]> {
    this.#enter('listTopics')

    return [...this.topics.keys()]
  }

  async fetchTopicOffsets(topic: string) {
    this.#enter('fetchTopicOffsets')
    const partitions = this.topics.get(topic) ?? 0

    return Array.from({ length: partitions }, (_, partition) => ({
      partition,
      offset: '0',
      high: '0',
      low: '0',
    }))
  }

  async fetchTopicMetadata(options?: { topics: string[] }) {
    this.#enter('fetchTopicMetadata')
    const names = options?.topics ?? [...this.topics.keys()]

    return {
      topics: names
        .filter((name) => this.topics.has(name))
        .map((name) => ({
          name,
          partitions: Array.from({ length: this.topics.get(name) ?? 0 }, (_, partitionId) => ({
            partitionErrorCode: 0,
            partitionId,
            leader: 1,
            replicas: [1],
            isr: [1],
            offlineReplicas: [],
          })),
        })),
    }
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescriptions> {
    this.#enter('describeGroups')

    return {
      groups: groupIds.map((groupId) => ({
        groupId,
        state: this.groups.has(groupId) ? ('Empty' as const) : ('Dead' as const),
        members: [],
        protocol: '',
        protocolType: 'consumer',
      })),
    }
  }

  async deleteGroups(groupIds: string[]) {
    this.#enter('deleteGroups')
    for (const groupId of groupIds) this.groups.delete(groupId)

    return groupIds.map((groupId) => ({ groupId, errorCode: 0 }))
  }

  async deleteTopics({ topics }: { topics: string[] }): Promise<void> {
    this.#enter('deleteTopics')
    for (const topic of topics) this.topics.delete(topic)
  }

  async createTopics({
    topics,
  }: {
    topics: Array<{ topic: string; numPartitions?: number }>
  }): Promise<boolean> {
    this.#enter('createTopics')
    if (this.createTopicsAnswersFalse > 0) {
      this.createTopicsAnswersFalse -= 1
      return false
    }

    for (const { topic, numPartitions } of topics) this.topics.set(topic, numPartitions ?? 1)

    return true
  }

  async fetchOffsets() {
    this.#enter('fetchOffsets')

    return []
  }
}

/** A broker error as kafkajs builds it from a response's error code. */
export function brokerError(type: string, retriable = true): KafkaJSProtocolError {
  const error = new KafkaJSProtocolError(`broker answered ${type}`)

  return Object.assign(error, { type, retriable })
}

/** What kafkajs throws when its own retrier, set to 0 retries, gives up on a retriable error. */
export function exhausted(cause: Error): KafkaJSNumberOfRetriesExceeded {
  return new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 0, retryTime: 100 })
}

export function connectionRefused(address = '127.0.0.1:1'): KafkaJSConnectionError {
  return Object.assign(
    new KafkaJSConnectionError(`Connection error: connect ECONNREFUSED ${address}`),
    {
      code: 'ECONNREFUSED',
    },
  )
}

/** kafkajs's error for a DeleteGroups response with per-group error codes. */
export function deleteGroupsError(
  groups: Array<{ groupId: string; type: string }>,
): KafkaJSDeleteGroupsError {
  return new KafkaJSDeleteGroupsError(
    'Error in DeleteGroups',
    groups.map(({ groupId, type }) => ({ groupId, errorCode: 1, error: brokerError(type) })),
  )
}

export function aggregate(errors: Error[]): KafkaJSAggregateError {
  return new KafkaJSAggregateError('Several errors', errors)
}

export function saslFailure(): Error {
  // kafkajs passes the message on at runtime; its typings declare no constructor arguments.
  const Failure = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error

  return new Failure('SASL PLAIN authentication failed: invalid credentials')
}

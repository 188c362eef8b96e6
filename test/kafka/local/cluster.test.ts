import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { createKafka } from '../../../src/kafka/client.js'
import {
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../../../src/kafka/local/cluster.js'
import { isPortOpen } from '../../../src/kafka/local/ports.js'
import { isRunning } from '../../../src/kafka/local/process.js'
import { eventually } from '../../helpers/kafka.js'

describe('the local Kafka cluster', function () {
  this.timeout(180_000)

  let stateDir: string
  let previousStateDir: string | undefined

  beforeEach(async () => {
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-state-'))
    previousStateDir = process.env.KBENCH_STATE_DIR
    process.env.KBENCH_STATE_DIR = stateDir
  })

  afterEach(async () => {
    // Whatever a failed test left running is stopped here, so no broker outlives the suite.
    const leftover = await fs
      .readFile(path.join(stateDir, 'local-cluster.json'), 'utf8')
      .catch(() => undefined)
    if (leftover)
      await stopLocalCluster(JSON.parse(leftover) as LocalClusterState, { graceMs: 2000 })

    if (previousStateDir === undefined) delete process.env.KBENCH_STATE_DIR
    else process.env.KBENCH_STATE_DIR = previousStateDir
    await fs.rm(stateDir, { recursive: true, force: true })
  })

  it('starts with kafka:start, is reported by kafka:status, serves kafkajs and leaves nothing after kafka:stop', async () => {
    const start = await runCommand<LocalClusterState>(['kafka:start', '--json'])
    expect(start.error).to.equal(undefined)
    const state = start.result as LocalClusterState
    expect(state.bootstrap).to.match(/^127\.0\.0\.1:\d+$/)

    const status = await runCommand<{ running: boolean; nodes: Array<{ listening: boolean }> }>([
      'kafka:status',
      '--json',
    ])
    expect(status.result?.running).to.equal(true)
    expect(status.result?.nodes.map((node) => node.listening)).to.deep.equal([true])

    const kafka = createKafka({ brokers: [state.bootstrap] })
    const admin = kafka.admin()
    await admin.connect()
    await admin.createTopics({
      topics: [{ topic: 'kbench-hello', numPartitions: 1 }],
      waitForLeaders: true,
    })
    await admin.disconnect()

    const producer = kafka.producer()
    await producer.connect()
    await producer.send({ topic: 'kbench-hello', messages: [{ key: 'k', value: 'hello, kafka' }] })
    await producer.disconnect()

    const consumer = kafka.consumer({ groupId: 'kbench-hello-group' })
    await consumer.connect()
    await consumer.subscribe({ topic: 'kbench-hello', fromBeginning: true })
    const received: string[] = []
    await consumer.run({
      eachMessage: async ({ message }) => void received.push(String(message.value)),
    })
    await eventually('the produced message to be consumed', async () => received.length > 0, 30_000)
    await consumer.disconnect()
    expect(received).to.deep.equal(['hello, kafka'])

    const stop = await runCommand(['kafka:stop', '--grace', '10'])
    expect(stop.error).to.equal(undefined)

    for (const node of state.nodes) {
      expect(isRunning(node.pid), `pid ${node.pid} still runs`).to.equal(false)
      expect(await isPortOpen(node.brokerPort), `port ${node.brokerPort} still open`).to.equal(
        false,
      )
      expect(await isPortOpen(node.controllerPort)).to.equal(false)
    }
    await fs.access(state.dataDir).then(
      () => expect.fail(`${state.dataDir} was not removed`),
      () => {},
    )

    const after = await runCommand<{ running: boolean }>(['kafka:status', '--json'])
    expect(after.result?.running).to.equal(false)
  })

  it('forms a three-broker cluster that hosts a topic with replication factor 3', async () => {
    const state = await startLocalCluster({ brokersCount: 3, heap: '384m' })

    try {
      const admin = createKafka({ brokers: state.bootstrap.split(',') }).admin()
      await admin.connect()
      const cluster = await admin.describeCluster()
      expect(cluster.brokers.map((broker) => broker.nodeId).sort()).to.deep.equal([1, 2, 3])

      await admin.createTopics({
        topics: [{ topic: 'kbench-replicated', numPartitions: 2, replicationFactor: 3 }],
        waitForLeaders: true,
      })
      const metadata = await admin.fetchTopicMetadata({ topics: ['kbench-replicated'] })
      const replicas = metadata.topics[0]?.partitions.map((partition) => partition.replicas.length)
      expect(replicas).to.deep.equal([3, 3])
      await admin.disconnect()
    } finally {
      await stopLocalCluster(state)
    }

    for (const node of state.nodes) expect(isRunning(node.pid)).to.equal(false)
  })

  it('rejects a brokers count outside 1 to 5, naming the range', async () => {
    const { error } = await runCommand(['kafka:start', '--brokers-count', '0'])

    expect(error?.message).to.include('from 1 to 5')
    expect(error?.oclif?.exit).to.equal(2)
  })

  it('explains how to get Java when there is none', async () => {
    const previous = process.env.JAVA_HOME
    process.env.JAVA_HOME = '/nonexistent-java-home'

    try {
      const { error } = await runCommand(['kafka:start'])

      expect(error?.message).to.include('Java was not found')
      expect(error?.message).to.include('/nonexistent-java-home/bin/java')
      expect(error?.oclif?.exit).to.equal(6)
      expect((error as { suggestions?: string[] }).suggestions?.join(' ')).to.include('KAFKA_HOME')
    } finally {
      if (previous === undefined) delete process.env.JAVA_HOME
      else process.env.JAVA_HOME = previous
    }
  })
})

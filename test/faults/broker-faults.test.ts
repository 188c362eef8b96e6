import { runCommand } from '@oclif/test'
import { expect } from 'chai'
import fs from 'node:fs/promises'

import {
  killNode,
  killNodesNow,
  type LocalClusterState,
  restartNode,
} from '../../src/kafka/local/cluster.js'
import { isRunning, waitFor } from '../../src/kafka/local/process.js'
import type { ResetReport } from '../../src/kafka/reset/reset.js'
import type { BenchResult } from '../../src/results/result.js'
import { uniqueName } from '../helpers/kafka.js'
import { suiteResultsDir } from '../helpers/results.js'
import {
  committedTotal,
  FAULT_HEAP,
  faultAdmin,
  injectWhen,
  leaderOf,
  startFaultCluster,
  stopFaultCluster,
  temporaryDir,
  writeReplicatedConfig,
} from './fault-cluster.js'

const MESSAGES = 6000
/** Committed offsets after which a fault is injected: the consumer is well under way. */
const FAULT_AFTER_COMMITTED = 600

describe('faults on a three-broker cluster', function () {
  this.timeout(150_000)

  let cluster: LocalClusterState | undefined
  let admin: ReturnType<typeof faultAdmin>
  let workDir: string
  let configFile: string

  before(async function () {
    this.timeout(150_000)

    workDir = await temporaryDir('faults')
    configFile = await writeReplicatedConfig(workDir)
    cluster = await startFaultCluster()
    admin = faultAdmin(cluster)
    await admin.connect()
  })

  after(async function () {
    this.timeout(60_000)

    await admin?.disconnect().catch(() => {})
    await stopFaultCluster(cluster)
    await fs.rm(workDir, { recursive: true, force: true })

    const survivors = (cluster?.nodes ?? []).filter((node) => isRunning(node.pid))
    expect(survivors, 'Kafka nodes left running').to.deep.equal([])
  })

  function bench(command: string, topic: string, group: string, ...extra: string[]) {
    return runCommand<BenchResult>([
      command,
      '--brokers',
      (cluster as LocalClusterState).bootstrap,
      '--config',
      configFile,
      '--topic',
      topic,
      '--group',
      group,
      '--messages',
      String(MESSAGES),
      '--keys',
      '60',
      '--partitions',
      '6',
      '--work',
      'sleep:1',
      '--concurrency',
      '2',
      '--output-dir',
      suiteResultsDir(),
      '--no-journal',
      '--json',
      ...extra,
    ])
  }

  /** Runs a bench command and kills the leader of partition 0 once it is under way. */
  async function benchWithLeaderKilled(command: string, ...extra: string[]) {
    const state = cluster as LocalClusterState
    const topic = uniqueName(`fault-${command.replace(':', '-')}`)
    const group = uniqueName('fault-group')
    let victim: number | undefined

    const running = bench(command, topic, group, ...extra)
    const killedAt = await injectWhen({
      probe: async () => (await committedTotal(admin, group, topic)) >= FAULT_AFTER_COMMITTED,
      fault: async () => {
        victim = await leaderOf(admin, topic, 0)
        await killNode(state, victim)
      },
      settled: running,
      timeoutMs: 90_000,
    })
    const { result, error } = await running
    const finishedAt = Date.now()

    if (victim !== undefined) await restartNode(state, victim, { heap: FAULT_HEAP })

    return { result, error, killedAt, finishedAt, victim }
  }

  it('bench:async loses nothing when the leader of a partition is killed mid-consume', async () => {
    const { result, error, killedAt, finishedAt } = await benchWithLeaderKilled('bench:async')

    expect(killedAt, 'the broker was killed before the run ended').to.be.below(finishedAt)
    expect(error?.message).to.equal(undefined)
    expect(result?.complete).to.equal(true)
    expect(result?.counts).to.include({ produced: MESSAGES, processed: MESSAGES, lost: 0 })
    expect(result?.counts.duplicates).to.be.at.least(0)
    expect(result?.commits.matchesEndOffsets).to.equal(true)
  })

  it('bench:process loses nothing when the leader of a partition is killed mid-consume', async () => {
    const { result, error, killedAt, finishedAt } = await benchWithLeaderKilled(
      'bench:process',
      '--workers',
      '2',
    )

    expect(killedAt, 'the broker was killed before the run ended').to.be.below(finishedAt)
    expect(error?.message).to.equal(undefined)
    expect(result?.complete).to.equal(true)
    expect(result?.counts).to.include({ produced: MESSAGES, processed: MESSAGES, lost: 0 })
    expect(result?.counts.duplicates).to.be.at.least(0)
    expect(result?.commits.matchesEndOffsets).to.equal(true)
  })

  it('kafka:reset retries through a broker restart, or fails within its budget naming the step', async () => {
    const state = cluster as LocalClusterState
    const topic = uniqueName('fault-reset')
    const group = uniqueName('fault-reset-group')
    const stepTimeoutMs = 15_000
    await admin.createTopics({
      topics: [{ topic, numPartitions: 6, replicationFactor: 3 }],
      waitForLeaders: true,
    })
    const victim = await leaderOf(admin, topic, 0)

    const started = Date.now()
    const running = runCommand<ResetReport>([
      'kafka:reset',
      '--brokers',
      state.bootstrap,
      '--config',
      configFile,
      '--topics',
      topic,
      '--groups',
      group,
      '--partitions',
      '6',
      '--replication-factor',
      '3',
      '--timeout',
      `${stepTimeoutMs}ms`,
      '--retries',
      '20',
      '--no-journal',
      '--json',
    ])
    const restartedAt = await injectWhen({
      probe: async () => !(await admin.listTopics()).includes(topic),
      fault: async () => {
        await killNode(state, victim)
      },
      settled: running,
      timeoutMs: 30_000,
    })
    const { result, error } = await running
    const elapsedMs = Date.now() - started
    await restartNode(state, victim, { heap: FAULT_HEAP })

    expect(restartedAt, 'the broker was killed during the reset').to.be.a('number')
    console.error(
      `[fault] reset with node ${victim} killed: ${error ? error.message.split('\n')[0] : 'succeeded'} in ${elapsedMs} ms`,
    )
    expect(elapsedMs, 'seven steps within their budgets').to.be.below(7 * stepTimeoutMs + 5000)
    if (error) {
      expect(error.oclif?.exit, error.message).to.equal(5)
      expect(error.message).to.match(/^Reset failed to [a-z ]+ \(topic /)
      expect(error.message).to.not.match(/\n\s+at /)
      return
    }

    const [outcome] = result?.topics ?? []
    expect(outcome?.replicationFactor).to.equal(3)
    expect(outcome?.watermarks).to.have.length(6)
    expect(outcome?.watermarks.every((p) => p.low === '0' && p.high === '0')).to.equal(true)
  })

  it('stops a run within its --timeout, incomplete and saying why, when the whole cluster dies', async () => {
    const state = cluster as LocalClusterState
    const topic = uniqueName('fault-cluster-down')
    const group = uniqueName('fault-group')
    const timeoutS = 20

    const started = Date.now()
    const running = bench('bench:async', topic, group, '--timeout', `${timeoutS}s`)
    const stoppedAt = await injectWhen({
      probe: async () => (await committedTotal(admin, group, topic)) >= FAULT_AFTER_COMMITTED,
      fault: async () => {
        killNodesNow(state.nodes)
        await waitFor(() => state.nodes.every((node) => !isRunning(node.pid)), 10_000)
      },
      settled: running,
      timeoutMs: 60_000,
    })
    const { stdout, error } = await running
    const elapsedMs = Date.now() - started

    expect(stoppedAt, 'the cluster was stopped before the run ended').to.be.a('number')
    expect(elapsedMs, 'the timeout, the shutdown grace and the offset check').to.be.below(
      (timeoutS + 25) * 1000,
    )
    expect(error?.oclif?.exit).to.equal(7)
    expect(error?.message).to.match(new RegExp(`async: timed out after ${timeoutS} s`))
    const result = JSON.parse(stdout) as BenchResult
    expect(result.complete).to.equal(false)
    expect(result.error).to.equal(`timed out after ${timeoutS} s`)
    expect(result.counts.processed).to.be.below(MESSAGES)
  })
})

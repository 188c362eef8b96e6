import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { createKafka } from '../../src/kafka/client.js'
import {
  killNodesNow,
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../../src/kafka/local/cluster.js'

/** The heap of each broker of a fault test: three of them share a two-core machine. */
export const FAULT_HEAP = '384m'

/**
 * Starts a three-broker cluster whose topics keep three replicas and need two in sync, so
 * that it survives the loss of any one broker, and registers a last-resort kill on exit.
 */
export async function startFaultCluster(): Promise<LocalClusterState> {
  const cluster = await startLocalCluster({
    brokersCount: 3,
    heap: FAULT_HEAP,
    brokerProperties: { 'min.insync.replicas': '2', 'default.replication.factor': '3' },
  })
  process.once('exit', () => killNodesNow(cluster.nodes))

  return cluster
}

export async function stopFaultCluster(cluster: LocalClusterState | undefined): Promise<void> {
  if (cluster) await stopLocalCluster(cluster, { graceMs: 5000 })
}

/** A configuration file whose bench and reset topics have three replicas. */
export async function writeReplicatedConfig(dir: string): Promise<string> {
  const file = path.join(dir, 'faults.benchrc.json')
  await fs.writeFile(
    file,
    JSON.stringify({ reset: { replicationFactor: 3 }, journal: { enabled: false } }, null, 2),
  )

  return file
}

export async function temporaryDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `kbench-${prefix}-`))
}

/** An admin client on the fault cluster that gives up quickly when a broker is gone. */
export function faultAdmin(cluster: LocalClusterState) {
  return createKafka({
    brokers: cluster.bootstrap.split(','),
    clientId: 'kbench-fault-test',
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    retries: 1,
  }).admin()
}

type Admin = ReturnType<typeof faultAdmin>

/** The sum of the offsets a group has committed on a topic; 0 before the first commit. */
export async function committedTotal(admin: Admin, groupId: string, topic: string) {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] })

  return (entry?.partitions ?? [])
    .map((partition) => Number(partition.offset))
    .filter((offset) => offset > 0)
    .reduce((sum, offset) => sum + offset, 0)
}

/** The node that leads a partition of a topic. */
export async function leaderOf(admin: Admin, topic: string, partition: number): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] })
  const found = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition)
  if (found === undefined || found.leader < 0)
    throw new Error(`${topic}[${partition}] is leaderless`)

  return found.leader
}

/**
 * Polls `probe` every 100 ms until it holds, then runs `fault`. Stops polling, without the
 * fault, when `settled` resolves first or the deadline passes; returns when the fault ran.
 */
export async function injectWhen(options: {
  probe: () => Promise<boolean>
  fault: () => Promise<void>
  settled: Promise<unknown>
  timeoutMs: number
}): Promise<number | undefined> {
  let done = false
  void options.settled.finally(() => {
    done = true
  })
  const deadline = Date.now() + options.timeoutMs

  while (!done && Date.now() < deadline) {
    const ready = await options.probe().catch(() => false)
    if (ready && !done) {
      const at = Date.now()
      await options.fault()
      return at
    }

    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  return undefined
}

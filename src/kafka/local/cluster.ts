import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

import { ExitCode, KbenchError, describeError } from '../../errors.js'
import { type Logger, silentLogger, trace } from '../../logging.js'
import { createKafka } from '../client.js'
import { type DistributionOptions, resolveDistribution } from './distribution.js'
import { freePorts, isPortOpen } from './ports.js'
import { isOwnedProcess, isRunning, signal, waitFor } from './process.js'
import { requireJava } from './toolchain.js'

const run = promisify(execFile)
const debug = trace('local-broker')

/** A group name only used to check that group coordinators answer. */
const READINESS_GROUP = 'kbench-readiness-probe'

export const MIN_BROKERS = 1
export const MAX_BROKERS = 5

/** One broker of a local cluster; each is also a KRaft controller and voter. */
export interface LocalNode {
  nodeId: number
  pid: number
  brokerPort: number
  controllerPort: number
  /** The broker's own log file. */
  logFile: string
  /** The port of each extra client listener, by listener name. */
  listenerPorts?: Record<string, number>
}

/** What kbench records about a running local cluster, enough to report on it and stop it. */
export interface LocalClusterState {
  kafkaVersion: string
  clusterId: string
  bootstrap: string
  dataDir: string
  startedAt: string
  nodes: LocalNode[]
  /** The bootstrap address of each extra client listener, by listener name. */
  listenerBootstraps?: Record<string, string>
}

/** A client listener added next to the plaintext one, such as a SASL listener for tests. */
export interface ExtraListener {
  /** The listener name, in capitals: `SASL_CLIENT`. Its properties use it in lower case. */
  name: string
  protocol: 'PLAINTEXT' | 'SASL_PLAINTEXT'
}

export interface StartOptions extends DistributionOptions {
  brokersCount?: number
  /** JVM heap for each broker, such as `512m`. */
  heap?: string
  /** Milliseconds to wait for the cluster to answer an admin client. */
  readyTimeoutMs?: number
  /** Extra broker properties, applied to every node. */
  brokerProperties?: Record<string, string>
  /**
   * Client listeners on their own ports, next to the plaintext listener that brokers and
   * controllers keep using among themselves. Their settings go in `brokerProperties`.
   */
  extraListeners?: ExtraListener[]
  /**
   * Extra arguments of Kafka's storage format tool, such as
   * `['--add-scram', 'SCRAM-SHA-256=[name=bench,password=...]']` to create SCRAM users.
   */
  formatArguments?: string[]
  logger?: Logger
}

/** Rejects a brokers count outside the range a local cluster supports. */
export function validateBrokersCount(count: number): void {
  if (!Number.isInteger(count) || count < MIN_BROKERS || count > MAX_BROKERS) {
    throw new KbenchError(
      'INVALID_BROKERS_COUNT',
      `The brokers count must be a whole number from ${MIN_BROKERS} to ${MAX_BROKERS}; got ${count}.`,
      {
        exitCode: ExitCode.Usage,
        suggestions: [`Pass --brokers-count with a value from ${MIN_BROKERS} to ${MAX_BROKERS}.`],
      },
    )
  }
}

/** A KRaft cluster id: 16 random bytes, base64url without padding, as Kafka's own Uuid. */
function newClusterId(): string {
  return randomBytes(16).toString('base64url')
}

function serverProperties(
  node: {
    nodeId: number
    brokerPort: number
    controllerPort: number
    logDir: string
    listenerPorts: Record<string, number>
  },
  voters: string,
  brokersCount: number,
  extraListeners: ExtraListener[],
  extra: Record<string, string>,
): string {
  const internalReplication = String(Math.min(3, brokersCount))
  const clientListeners = extraListeners.map(
    (listener) => `${listener.name}://127.0.0.1:${node.listenerPorts[listener.name]}`,
  )
  const protocols = extraListeners.map((listener) => `${listener.name}:${listener.protocol}`)
  const properties: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(node.nodeId),
    'controller.quorum.voters': voters,
    listeners: [
      `PLAINTEXT://127.0.0.1:${node.brokerPort}`,
      `CONTROLLER://127.0.0.1:${node.controllerPort}`,
      ...clientListeners,
    ].join(','),
    'advertised.listeners': [`PLAINTEXT://127.0.0.1:${node.brokerPort}`, ...clientListeners].join(
      ',',
    ),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': [
      'PLAINTEXT:PLAINTEXT',
      'CONTROLLER:PLAINTEXT',
      ...protocols,
    ].join(','),
    'log.dirs': node.logDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': internalReplication,
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': internalReplication,
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': internalReplication,
    'share.coordinator.state.topic.min.isr': '1',
    'group.initial.rebalance.delay.ms': '0',
    'auto.create.topics.enable': 'false',
    'delete.topic.enable': 'true',
    ...extra,
  }

  return Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')
}

function log4jProperties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    'logger.kafka.name = kafka',
    'logger.kafka.level = INFO',
    'logger.apache.name = org.apache.kafka',
    'logger.apache.level = INFO',
    '',
  ].join('\n')
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no output)'
  }
}

/**
 * Starts a local Apache Kafka cluster on 127.0.0.1 in KRaft combined mode: each node is a
 * broker and a controller. The processes run detached, so they outlive this process until
 * `stopLocalCluster` ends them; the returned state is what it needs to do so.
 */
export async function startLocalCluster(options: StartOptions = {}): Promise<LocalClusterState> {
  const brokersCount = options.brokersCount ?? 1
  validateBrokersCount(brokersCount)
  const logger = options.logger ?? silentLogger

  const java = await requireJava(options.env)
  const distribution = await resolveDistribution({ ...options, logger })

  const extraListeners = options.extraListeners ?? []
  const portsPerNode = 2 + extraListeners.length
  const ports = await freePorts(brokersCount * portsPerNode)
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-kafka-'))
  const clusterId = newClusterId()
  const layout = Array.from({ length: brokersCount }, (_, index) => {
    const nodeId = index + 1
    const nodeDir = path.join(dataDir, `node-${nodeId}`)
    const first = index * portsPerNode
    return {
      nodeId,
      brokerPort: ports[first] as number,
      controllerPort: ports[first + 1] as number,
      listenerPorts: Object.fromEntries(
        extraListeners.map((listener, offset) => [listener.name, ports[first + 2 + offset]]),
      ) as Record<string, number>,
      nodeDir,
      logDir: path.join(nodeDir, 'data'),
      logFile: path.join(nodeDir, 'broker.log'),
      configFile: path.join(nodeDir, 'server.properties'),
      log4jFile: path.join(nodeDir, 'log4j2.properties'),
    }
  })
  const voters = layout.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',')
  const bootstrap = layout.map((n) => `127.0.0.1:${n.brokerPort}`).join(',')
  const listenerBootstraps = Object.fromEntries(
    extraListeners.map((listener) => [
      listener.name,
      layout.map((n) => `127.0.0.1:${n.listenerPorts[listener.name]}`).join(','),
    ]),
  )
  const nodes: LocalNode[] = []

  try {
    await Promise.all(
      layout.map(async (node) => {
        await fs.mkdir(node.nodeDir, { recursive: true })
        await fs.writeFile(
          node.configFile,
          serverProperties(
            node,
            voters,
            brokersCount,
            extraListeners,
            options.brokerProperties ?? {},
          ),
        )
        await fs.writeFile(node.log4jFile, log4jProperties(node.logFile))
        await formatStorage(
          java,
          distribution.classpath,
          node,
          clusterId,
          options.formatArguments ?? [],
        )
      }),
    )

    for (const node of layout) {
      const pid = launchNode(java, distribution.classpath, node, options.heap ?? '512m')
      nodes.push({
        nodeId: node.nodeId,
        pid,
        brokerPort: node.brokerPort,
        controllerPort: node.controllerPort,
        logFile: node.logFile,
        ...(extraListeners.length > 0 ? { listenerPorts: node.listenerPorts } : {}),
      })
    }

    const state: LocalClusterState = {
      kafkaVersion: distribution.version,
      clusterId,
      bootstrap,
      dataDir,
      startedAt: new Date().toISOString(),
      nodes,
      ...(extraListeners.length > 0 ? { listenerBootstraps } : {}),
    }
    await waitUntilReady(state, options.readyTimeoutMs ?? 90_000)
    logger.debug(`Local Kafka ${distribution.version} is ready at ${bootstrap}`)

    return state
  } catch (error) {
    killNodesNow(nodes)
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  }
}

async function formatStorage(
  java: string,
  classpath: string,
  node: { configFile: string; log4jFile: string; nodeDir: string },
  clusterId: string,
  extraArguments: string[],
): Promise<void> {
  try {
    await run(
      java,
      [
        '-Xmx256m',
        '-cp',
        classpath,
        `-Dlog4j2.configurationFile=${node.log4jFile}`,
        'kafka.tools.StorageTool',
        'format',
        // One argument: an id that starts with "-" would otherwise read as an option.
        `--cluster-id=${clusterId}`,
        '--config',
        node.configFile,
        '--ignore-formatted',
        ...extraArguments,
      ],
      { cwd: node.nodeDir },
    )
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string }
    throw new KbenchError(
      'KAFKA_FORMAT_FAILED',
      `Formatting the KRaft storage in ${node.nodeDir} failed: ${(output.stderr || output.stdout || describeError(error)).trim()}`,
      { exitCode: ExitCode.Environment, cause: error },
    )
  }
}

function launchNode(
  java: string,
  classpath: string,
  node: { configFile: string; log4jFile: string; nodeDir: string },
  heap: string,
): number {
  const out = openSync(path.join(node.nodeDir, 'stdout.log'), 'a')
  const child = spawn(
    java,
    [
      `-Xmx${heap}`,
      `-Xms${heap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${node.log4jFile}`,
      `-Dkafka.logs.dir=${node.nodeDir}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      node.configFile,
    ],
    { cwd: node.nodeDir, detached: true, stdio: ['ignore', out, out] },
  )
  closeSync(out)
  child.unref()

  if (child.pid === undefined) {
    throw new KbenchError('KAFKA_START_FAILED', `Could not start ${java} for the Kafka broker.`, {
      exitCode: ExitCode.Environment,
    })
  }

  debug('started broker pid %d with %s', child.pid, node.configFile)
  return child.pid
}

async function waitUntilReady(state: LocalClusterState, timeoutMs: number): Promise<void> {
  const kafka = createKafka({
    brokers: state.bootstrap.split(','),
    clientId: 'kbench-local-broker',
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 5000,
    retries: 0,
  })
  const deadline = Date.now() + timeoutMs
  let lastError = 'no answer yet'

  while (Date.now() < deadline) {
    const dead = state.nodes.find((node) => !isRunning(node.pid))
    if (dead) {
      throw new KbenchError(
        'KAFKA_START_FAILED',
        `Kafka node ${dead.nodeId} exited while starting. The end of its log (${dead.logFile}):\n${tail(dead.logFile)}\n${tail(path.join(path.dirname(dead.logFile), 'stdout.log'), 5)}`,
        { exitCode: ExitCode.Environment },
      )
    }

    const admin = kafka.admin()
    try {
      await admin.connect()
      const cluster = await admin.describeCluster()
      if (cluster.brokers.length !== state.nodes.length) {
        lastError = `${cluster.brokers.length} of ${state.nodes.length} brokers registered`
      } else {
        // Asking for a group's coordinator creates the offsets topic; until its partitions
        // are loaded, every group operation fails with a coordinator error. Ready means
        // ready for consumer groups too. kafkajs throws while the coordinator is not there.
        await admin.describeGroups([READINESS_GROUP])
        return
      }
    } catch (error) {
      lastError = describeError(error)
    } finally {
      await admin.disconnect().catch(() => {})
    }

    await new Promise((resolve) => setTimeout(resolve, 250))
  }

  throw new KbenchError(
    'KAFKA_START_TIMEOUT',
    `The local Kafka cluster at ${state.bootstrap} was not ready within ${timeoutMs / 1000} s (${lastError}). Its log: ${state.nodes[0]?.logFile}`,
    { exitCode: ExitCode.Environment },
  )
}

/** Kills the nodes at once, without waiting: for failed starts and process-exit handlers. */
export function killNodesNow(nodes: LocalNode[]): void {
  for (const node of nodes) signal(node.pid, 'SIGKILL')
}

export interface StopOptions {
  /** Milliseconds between SIGTERM and SIGKILL. */
  graceMs?: number
  /** Keep the data directory, for a post-mortem. */
  keepData?: boolean
}

/**
 * Stops every node (SIGTERM, then SIGKILL after the grace period), waits until their ports
 * are free and removes the data directory. Returns the pids that needed SIGKILL.
 */
export async function stopLocalCluster(
  state: LocalClusterState,
  options: StopOptions = {},
): Promise<{ killed: number[] }> {
  const graceMs = options.graceMs ?? 15_000
  const owned = state.nodes.filter((node) => isOwnedProcess(node.pid, state.dataDir))

  for (const node of owned) signal(node.pid, 'SIGTERM')
  await waitFor(() => owned.every((node) => !isRunning(node.pid)), graceMs)

  const killed = owned.filter((node) => isRunning(node.pid)).map((node) => node.pid)
  for (const pid of killed) signal(pid, 'SIGKILL')
  await waitFor(() => owned.every((node) => !isRunning(node.pid)), 5000)

  const ports = state.nodes.flatMap((node) => [
    node.brokerPort,
    node.controllerPort,
    ...Object.values(node.listenerPorts ?? {}),
  ])
  await waitFor(async () => !(await Promise.all(ports.map(isPortOpen))).some(Boolean), 5000)

  if (!options.keepData && existsSync(state.dataDir)) {
    await fs.rm(state.dataDir, { recursive: true, force: true })
  }

  return { killed }
}

/**
 * Kills one node at once (SIGKILL, as a crash would) and waits until its process is gone and
 * its broker port is closed. The rest of the cluster keeps running.
 */
export async function killNode(state: LocalClusterState, nodeId: number): Promise<LocalNode> {
  const node = requireNode(state, nodeId)
  signal(node.pid, 'SIGKILL')

  const gone = await waitFor(
    async () => !isRunning(node.pid) && !(await isPortOpen(node.brokerPort)),
    10_000,
  )
  if (!gone) {
    throw new KbenchError(
      'KAFKA_STOP_FAILED',
      `Kafka node ${nodeId} (pid ${node.pid}) still runs 10 s after SIGKILL.`,
      { exitCode: ExitCode.Environment },
    )
  }

  return node
}

export interface RestartOptions extends DistributionOptions {
  /** JVM heap of the relaunched node; default 512m. */
  heap?: string
  /** Milliseconds to wait until every node is registered again. */
  readyTimeoutMs?: number
}

/**
 * Restarts one node of a running local cluster: kills it if it still runs, relaunches it on
 * its own data, ports and configuration, and waits until the cluster lists every broker
 * again. The node's new pid is written into `state`, so that `stopLocalCluster` stops it.
 * The distribution is resolved again from `options` (default: the cluster's Kafka version).
 */
export async function restartNode(
  state: LocalClusterState,
  nodeId: number,
  options: RestartOptions = {},
): Promise<LocalClusterState> {
  const node = requireNode(state, nodeId)
  if (isRunning(node.pid)) await killNode(state, nodeId)

  const java = await requireJava(options.env)
  const distribution = await resolveDistribution({ version: state.kafkaVersion, ...options })
  const nodeDir = path.dirname(node.logFile)
  node.pid = launchNode(
    java,
    distribution.classpath,
    {
      configFile: path.join(nodeDir, 'server.properties'),
      log4jFile: path.join(nodeDir, 'log4j2.properties'),
      nodeDir,
    },
    options.heap ?? '512m',
  )

  // Right after a kill the cluster may still list the old broker, so first wait for the new
  // process to serve its port: a broker opens it once it has caught up with the metadata.
  const timeoutMs = options.readyTimeoutMs ?? 90_000
  await waitFor(() => !isRunning(node.pid) || isPortOpen(node.brokerPort), timeoutMs)
  await waitUntilReady(state, timeoutMs)

  return state
}

function requireNode(state: LocalClusterState, nodeId: number): LocalNode {
  const node = state.nodes.find((candidate) => candidate.nodeId === nodeId)
  if (node) return node

  throw new KbenchError(
    'KAFKA_NODE_UNKNOWN',
    `The local cluster at ${state.bootstrap} has no node ${nodeId}; its nodes are ${state.nodes.map((n) => n.nodeId).join(', ')}.`,
    { exitCode: ExitCode.Usage },
  )
}

/** Per node: whether it runs and whether its broker port answers. */
export async function probeLocalCluster(
  state: LocalClusterState,
): Promise<Array<LocalNode & { running: boolean; listening: boolean }>> {
  return Promise.all(
    state.nodes.map(async (node) => ({
      ...node,
      running: isOwnedProcess(node.pid, state.dataDir),
      listening: await isPortOpen(node.brokerPort),
    })),
  )
}

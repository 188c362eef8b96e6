import { type Logger, silentLogger } from '../logging.js'
import {
  killNodesNow,
  probeLocalCluster,
  startLocalCluster,
  stopLocalCluster,
  type StartOptions,
} from './local/cluster.js'
import { readClusterState } from './local/state.js'

/** Where the broker list came from, in the order kbench looks. */
export type BrokerSource = 'flag' | 'environment' | 'config' | 'local-cluster' | 'temporary'

export interface ResolvedBrokers {
  brokers: string[]
  source: BrokerSource
  /** The Kafka version, when the cluster is one kbench runs locally. */
  kafkaVersion?: string
  /** Stops the temporary cluster started for this run; a no-op for any other source. */
  release(): Promise<void>
}

export interface BrokerResolutionInput {
  flag?: string
  config?: string[]
  env?: NodeJS.ProcessEnv
  /** Start a temporary local cluster when nothing else is configured (bench commands). */
  allowTemporary?: boolean
  temporaryOptions?: StartOptions
  logger?: Logger
}

/** Splits "a:9092, b:9092" into its addresses. */
export function parseBrokerList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

const noRelease = async () => {}

/**
 * Decides which cluster a command talks to: --brokers, then KBENCH_BROKERS, then the
 * configuration's kafka.brokers, then the cluster `kafka:start` left running, and last, when
 * allowed, a temporary local cluster that lives as long as the command.
 */
export async function resolveBrokers(input: BrokerResolutionInput): Promise<ResolvedBrokers> {
  const env = input.env ?? process.env
  const logger = input.logger ?? silentLogger

  if (input.flag)
    return { brokers: parseBrokerList(input.flag), source: 'flag', release: noRelease }
  if (env.KBENCH_BROKERS) {
    return {
      brokers: parseBrokerList(env.KBENCH_BROKERS),
      source: 'environment',
      release: noRelease,
    }
  }
  if (input.config && input.config.length > 0) {
    return { brokers: input.config, source: 'config', release: noRelease }
  }

  const recorded = await readClusterState(env)
  if (recorded) {
    const nodes = await probeLocalCluster(recorded)
    if (nodes.some((node) => node.running)) {
      return {
        brokers: parseBrokerList(recorded.bootstrap),
        source: 'local-cluster',
        release: noRelease,
      }
    }
  }

  if (!input.allowTemporary) {
    return { brokers: ['127.0.0.1:9092'], source: 'config', release: noRelease }
  }

  logger.info('No broker configured: starting a temporary local Kafka broker for this run')
  const state = await startLocalCluster({ ...input.temporaryOptions, logger, env })
  logger.info(`Temporary broker ready at ${state.bootstrap}; it stops when the run ends`)

  const onExit = () => killNodesNow(state.nodes)
  process.once('exit', onExit)

  return {
    brokers: parseBrokerList(state.bootstrap),
    source: 'temporary',
    kafkaVersion: state.kafkaVersion,
    release: async () => {
      process.removeListener('exit', onExit)
      await stopLocalCluster(state)
      logger.info(`Temporary broker at ${state.bootstrap} stopped`)
    },
  }
}

let shared: { key: string; resolution: Promise<ResolvedBrokers> } | undefined

/**
 * Resolves the brokers once per process for the same input. The prerun hook and the command
 * it precedes both call this, so a temporary broker started by the hook's reset is the one
 * the command uses; the command releases it when the run ends. A different input (another
 * --brokers, as in-process tests give) resolves afresh.
 */
export function sharedBrokers(input: BrokerResolutionInput): Promise<ResolvedBrokers> {
  const env = input.env ?? process.env
  const key = JSON.stringify([input.flag, env.KBENCH_BROKERS, input.config, input.allowTemporary])
  if (shared?.key !== key) shared = { key, resolution: resolveBrokers(input) }

  return shared.resolution
}

/** Forgets the shared resolution, after a release or between in-process test runs. */
export function forgetSharedBrokers(): void {
  shared = undefined
}

import type { Admin } from 'kafkajs'

import type { ResetSettings } from '../../config/schema.js'
import type { Logger } from '../../logging.js'
import type { ConnectionSettings } from '../client.js'

/** The shape a topic is recreated with. */
export interface ResetTopic {
  partitions: number
  /** Defaults to the reset's replication factor. */
  replicationFactor?: number
  /** Topic-level configs, such as { "retention.ms": "600000" }. */
  configs?: Record<string, string>
}

/** Exponential backoff between attempts of one step, in milliseconds. */
export interface ResetBackoff {
  initial: number
  max: number
  factor: number
}

/** The admin calls a reset makes; a kafkajs Admin satisfies it. */
export type ResetAdmin = Pick<
  Admin,
  | 'connect'
  | 'disconnect'
  | 'describeGroups'
  | 'deleteGroups'
  | 'listTopics'
  | 'deleteTopics'
  | 'createTopics'
  | 'fetchTopicMetadata'
  | 'fetchTopicOffsets'
  | 'fetchOffsets'
>

/** What to reset and how hard to try; shared by the reset and its dry-run planner. */
export interface ResetTarget {
  connection: ConnectionSettings
  /** Topic name → the shape it is recreated with. */
  topics: Record<string, ResetTopic>
  /** Consumer groups to delete. */
  groups: string[]
  /** Replication factor of topics that do not set their own. Default 1. */
  replicationFactor?: number
  /** Time budget of each step, in milliseconds. Default 10 000. */
  timeoutMs?: number
  /** Further attempts after a transient failure, per step. Default 3. */
  retries?: number
  backoff?: Partial<ResetBackoff>
  /** Topics matching this may be emptied without confirmation. Default `^(kbench-|bench-)`. */
  allowPattern?: string | RegExp
  logger?: Logger
  /** Builds the admin client; by default a kafkajs admin whose own retries are turned off. */
  createAdmin?: (connection: ConnectionSettings) => ResetAdmin
}

export interface ResetOptions extends ResetTarget {
  /** The user agreed to empty topics that hold messages and lie outside the allow pattern. */
  confirmed?: boolean
}

export const DEFAULT_RESET_TIMEOUT_MS = 10_000
export const DEFAULT_RESET_RETRIES = 3
export const DEFAULT_ALLOW_PATTERN = '^(kbench-|bench-)'
export const DEFAULT_BACKOFF: ResetBackoff = { initial: 200, max: 5000, factor: 2 }

/** The reset options that come from the `reset` section of the configuration. */
export function resetTuning(
  settings: ResetSettings,
): Pick<ResetTarget, 'retries' | 'timeoutMs' | 'backoff' | 'allowPattern' | 'replicationFactor'> {
  return {
    retries: settings.retries,
    timeoutMs: settings.timeout,
    backoff: settings.backoff,
    allowPattern: settings.allowPattern,
    replicationFactor: settings.replicationFactor,
  }
}

import { configuredBrokers, connectionSettings } from '../config/connection.js'
import type { LoadedConfig } from '../config/load.js'
import { forgetSharedBrokers, type ResolvedBrokers, sharedBrokers } from '../kafka/brokers.js'
import type { ConnectionSettings } from '../kafka/client.js'
import type { Logger } from '../logging.js'

/** A resolved cluster: how to connect, and how to let go of a temporary broker afterwards. */
export interface ClusterConnection {
  connection: ConnectionSettings
  source: ResolvedBrokers['source']
  /** The Kafka version, when the cluster is one kbench runs locally. */
  kafkaVersion?: string
  release(): Promise<void>
}

/**
 * Decides which cluster to talk to (--brokers, KBENCH_BROKERS, the config, the cluster of
 * kafka:start, or a temporary one when allowed) and builds the connection settings. Shared
 * by commands and hooks: within one process, every caller gets the same cluster.
 */
export async function connectCluster(
  flags: { brokers?: string },
  loaded: LoadedConfig,
  logger: Logger,
  options: { allowTemporary?: boolean } = {},
): Promise<ClusterConnection> {
  const { config } = loaded
  const resolved = await sharedBrokers({
    flag: flags.brokers,
    config: configuredBrokers(config),
    allowTemporary: options.allowTemporary,
    temporaryOptions: {
      kafkaHome: config.kafka.local.kafkaHome,
      cacheDir: config.kafka.local.cacheDir,
      version: config.kafka.local.version,
      heap: config.kafka.local.heap,
    },
    logger,
  })
  logger.debug(`Brokers ${resolved.brokers.join(',')} (from ${resolved.source})`)

  return {
    connection: connectionSettings(config, resolved.brokers),
    source: resolved.source,
    kafkaVersion: resolved.kafkaVersion,
    release: async () => {
      forgetSharedBrokers()
      await resolved.release()
    },
  }
}

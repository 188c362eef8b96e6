import type { LoadedConfig } from '../config/load.js'
import { resetTuning } from '../kafka/reset/options.js'
import { resetKafka } from '../kafka/reset/reset.js'
import type { Logger } from '../logging.js'
import type { BenchTarget } from './bench-target.js'
import type { ClusterConnection } from './connect.js'

/** Resets a bench target (its topic and group) with the configured reset settings. */
export function benchTargetReset(
  cluster: ClusterConnection,
  loaded: LoadedConfig,
  logger: Logger,
): (target: BenchTarget) => Promise<void> {
  return async (target) => {
    await resetKafka({
      ...resetTuning(loaded.config.reset),
      connection: cluster.connection,
      topics: {
        [target.topic]: {
          partitions: target.partitions,
          replicationFactor: target.replicationFactor,
          configs: target.configs,
        },
      },
      groups: [target.groupId],
      logger,
    })
  }
}

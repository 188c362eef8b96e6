export { ExitCode, KbenchError, type KbenchErrorOptions } from './errors.js'
export { type Logger, silentLogger } from './logging.js'
export { type ConnectionSettings, createKafka } from './kafka/client.js'
export {
  type LocalClusterState,
  type StartOptions,
  startLocalCluster,
  stopLocalCluster,
} from './kafka/local/cluster.js'

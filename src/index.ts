export { ExitCode, KbenchError, type KbenchErrorOptions } from './errors.js'
export { type Logger, silentLogger } from './logging.js'
export { type ConnectionSettings, createKafka } from './kafka/client.js'
export {
  type LocalClusterState,
  type StartOptions,
  startLocalCluster,
  stopLocalCluster,
} from './kafka/local/cluster.js'

/**
 * What a plugin author needs to add a consumer mode: `defineMode` and the types of a mode, the
 * context it runs in and what it reports. A plugin answers the `MODES_HOOK` event with one mode
 * or an array of them; see examples/kbench-plugin-concurrent-partitions.
 */
export {
  type ConsumerMode,
  defineMode,
  type ModeContext,
  type ModeGauges,
  type OrderingGuarantee,
  type ProcessedMessage,
  type ProcessedTiming,
} from './modes/types.js'
export { type ModeFlagSpec, type ModeFlagSpecs } from './modes/flags.js'
export { MODES_HOOK } from './modes/registry.js'
export { type HandlerMessage, type MessageHandler } from './workload/handler.js'
export { type EngineOptions, ENGINE_DEFAULTS } from './engine/options.js'
export { type EngineSummary, runParallelConsumer } from './engine/parallel-consumer.js'
export { type Executor, type ExecutionTiming } from './engine/executor.js'
export { createAsyncExecutor } from './engine/executors/async-executor.js'
export { createProcessPool, type ProcessPoolOptions } from './engine/executors/process-pool.js'

import { type BenchConfig, TOPIC_NAME } from '../config/schema.js'
import { ExitCode, KbenchError } from '../errors.js'

/** The topic and consumer group a bench command works on, and the shape of the topic. */
export interface BenchTarget {
  topic: string
  groupId: string
  partitions: number
  replicationFactor: number
  configs?: Record<string, string>
}

export const DEFAULT_TOPIC = 'kbench-bench'
export const DEFAULT_GROUP = 'kbench-bench-group'
export const DEFAULT_PARTITIONS = 8

/** The flags that decide a bench command's target; every bench command has them. */
export interface BenchTargetFlags {
  topic?: string
  group?: string
  partitions?: number
}

/**
 * Where a bench command will produce and consume. Flags win; then the configuration's
 * `workload.topic` / `workload.group`; then kbench's defaults. The topic's partitions and
 * configs come from `topics.<name>` in the configuration when it lists the topic.
 */
export function resolveBenchTarget(flags: BenchTargetFlags, config: BenchConfig): BenchTarget {
  const workload = config.workload as { topic?: unknown; group?: unknown; partitions?: unknown }
  const topic = flags.topic ?? (typeof workload.topic === 'string' ? workload.topic : DEFAULT_TOPIC)
  const groupId =
    flags.group ?? (typeof workload.group === 'string' ? workload.group : DEFAULT_GROUP)
  if (!TOPIC_NAME.test(topic)) {
    throw new KbenchError(
      'INVALID_TOPIC',
      `The topic name ${JSON.stringify(topic)} is not valid in Kafka: a topic name is 1 to 249 letters, digits, ".", "_" or "-", and not "." or "..".`,
      {
        exitCode: ExitCode.Usage,
        suggestions: [
          'Name the topic with --topic (or workload.topic), for example --topic kbench-orders.',
        ],
      },
    )
  }

  const listed = config.topics[topic]
  const configuredPartitions =
    typeof workload.partitions === 'number' ? workload.partitions : undefined

  return {
    topic,
    groupId,
    partitions:
      flags.partitions ?? listed?.partitions ?? configuredPartitions ?? DEFAULT_PARTITIONS,
    replicationFactor: listed?.replicationFactor ?? config.reset.replicationFactor,
    configs: listed?.configs
      ? Object.fromEntries(Object.entries(listed.configs).map(([k, v]) => [k, String(v)]))
      : undefined,
  }
}

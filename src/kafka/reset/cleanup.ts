import type { ResetTopic } from './options.js'

/** What a manual cleanup has to cover. */
export interface CleanupScope {
  brokers: string[]
  topics: Record<string, ResetTopic>
  groups: string[]
  replicationFactor: number
}

/**
 * The Kafka command-line tools that finish a reset by hand, one command a line, for the
 * message of a failed reset.
 */
export function manualCleanup(scope: CleanupScope): string[] {
  const bootstrap = `--bootstrap-server ${scope.brokers.join(',')}`
  const commands: string[] = []

  for (const group of scope.groups) {
    commands.push(`kafka-consumer-groups.sh ${bootstrap} --delete --group ${group}`)
  }

  for (const topic of Object.keys(scope.topics)) {
    commands.push(`kafka-topics.sh ${bootstrap} --delete --topic ${topic}`)
  }

  for (const [topic, shape] of Object.entries(scope.topics)) {
    const configs = Object.entries(shape.configs ?? {})
      .map(([name, value]) => ` --config ${name}=${value}`)
      .join('')
    const replicationFactor = shape.replicationFactor ?? scope.replicationFactor

    commands.push(
      `kafka-topics.sh ${bootstrap} --create --topic ${topic} --partitions ${shape.partitions} --replication-factor ${replicationFactor}${configs}`,
    )
  }

  return commands
}

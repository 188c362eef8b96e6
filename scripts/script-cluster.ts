import {
  type LocalClusterState,
  startLocalCluster,
  stopLocalCluster,
} from '../src/kafka/local/cluster.js'

/**
 * The cluster a measuring script runs against: KBENCH_BROKERS when set, else a local broker
 * started for the script and stopped by the returned release function.
 */
export async function scriptCluster(): Promise<{
  brokers: string[]
  release: () => Promise<void>
}> {
  if (process.env.KBENCH_BROKERS) {
    return { brokers: process.env.KBENCH_BROKERS.split(','), release: async () => {} }
  }

  console.error('Starting a local Kafka broker for this measurement')
  const state: LocalClusterState = await startLocalCluster()
  return {
    brokers: state.bootstrap.split(','),
    release: () => stopLocalCluster(state).then(() => {}),
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)

  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

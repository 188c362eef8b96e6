import type { LatencySummary, SecondSample } from '../metrics/recorder.js'
import type { ResourceUsage } from '../metrics/resources.js'
import type { VerificationCounts } from '../metrics/verifier.js'
import type { WorkloadSettings } from '../workload/settings.js'

/** Bumped when a field changes meaning or disappears; new fields do not bump it. */
export const RESULT_SCHEMA_VERSION = 1

/** One partition's committed offset against its end offset after the run. */
export interface CommitCheck {
  partition: number
  committed: string
  end: string
}

/**
 * The result of one mode on one workload: what `<mode>.json` holds. Field names are a public
 * interface (people diff and chart them); schemas/result.schema.json documents them.
 */
export interface BenchResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION
  mode: string
  /** False when the run was aborted, timed out or failed before every message was processed. */
  complete: boolean
  /** Why the run is incomplete or failed, for people. */
  error?: string
  startedAt: string
  finishedAt: string
  workload: WorkloadSettings & { topic: string; groupId: string }
  /** The mode's own settings (its flags). */
  modeSettings: Record<string, unknown>
  ordering: 'key' | 'partition' | 'unordered'
  counts: VerificationCounts
  commits: { matchesEndOffsets: boolean; partitions: CommitCheck[] }
  throughput: { msgsPerSec: number; mbPerSec: number }
  latency: { e2e: LatencySummary; processing: LatencySummary; queueWait: LatencySummary }
  timings: { produceMs: number; joinMs: number; consumeMs: number; totalMs: number }
  resources: ResourceUsage & { workerRestarts?: number }
  timeseries: SecondSample[]
  env: {
    kbench: string
    node: string
    kafkajs: string
    broker: string | null
    cpuModel: string
    cpuCount: number
    platform: string
    gitCommit: string | null
  }
}

/** True when a run completed with nothing lost, order kept and commits at the end offsets. */
export function isVerified(result: BenchResult): boolean {
  return (
    result.complete &&
    result.counts.lost === 0 &&
    result.counts.orderViolations === 0 &&
    result.commits.matchesEndOffsets
  )
}

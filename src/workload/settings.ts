import type { KeyDistribution } from './keys.js'

/** Every parameter of a workload; stored whole in each result. */
export interface WorkloadSettings {
  /** `backlog`: produce everything, then consume. `rate`: produce at a fixed rate while consuming. */
  shape: 'backlog' | 'rate'
  messages: number
  payloadBytes: number
  keys: number
  keyDistribution: KeyDistribution
  zipfExponent: number
  partitions: number
  /** The handler, as written: noop, sleep:<ms>, cpu:<ms> or module:<path>. */
  work: string
  /** Messages per second, in the rate shape. */
  rate?: number
  /** Milliseconds of producing, in the rate shape. */
  durationMs?: number
  /** Messages at the start that are excluded from the statistics. */
  warmupMessages: number
  acks: -1 | 0 | 1
  compression: 'none' | 'gzip'
  /** Milliseconds the whole run may take before it is stopped and marked incomplete. */
  timeoutMs: number
  seed: number
}

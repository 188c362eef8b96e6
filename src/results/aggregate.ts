import path from 'node:path'

import type { LatencySummary } from '../metrics/recorder.js'
import { type BenchResult, isVerified } from './result.js'

/** Bumped when a field of `<mode>.aggregate.json` changes meaning or disappears. */
export const AGGREGATE_SCHEMA_VERSION = 1

/** How one figure varied over repeated runs of the same mode. */
export interface Spread {
  median: number
  min: number
  max: number
  /** (max - min) / median: 0.1 means the runs differed by 10% of the median; 0 when median is 0. */
  spread: number
}

/** The latency figures that are aggregated, in the order reports show them. */
export const LATENCY_FIGURES = ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean'] as const

export type LatencyFigure = (typeof LATENCY_FIGURES)[number]

/** Each latency figure of one distribution (e2e, processing or queue wait) over the runs. */
export type LatencyAggregate = Record<LatencyFigure, Spread>

/** The counts that are summed over runs. */
export type CountTotals = Pick<
  BenchResult['counts'],
  'produced' | 'processed' | 'duplicates' | 'lost' | 'orderViolations' | 'failed'
>

/**
 * Repeated runs of one mode on one workload: what `<mode>.aggregate.json` holds.
 * schemas/aggregate.schema.json documents the fields.
 */
export interface ModeAggregate {
  schemaVersion: typeof AGGREGATE_SCHEMA_VERSION
  kind: 'aggregate'
  mode: string
  runs: number
  /** The per-run result files (`<mode>-run<k>.json`), in run order, relative to this file. */
  files: string[]
  /** True when every run completed. */
  complete: boolean
  /** True when every run completed with nothing lost, order kept and commits at the end. */
  verified: boolean
  workload: BenchResult['workload']
  throughput: { msgsPerSec: Spread; mbPerSec: Spread }
  latency: { e2e: LatencyAggregate; processing: LatencyAggregate; queueWait: LatencyAggregate }
  /** Sums over every run. */
  counts: CountTotals
  resources: { cpuMs: Spread; peakRssMb: Spread }
}

/** The middle value of a sorted copy; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('The median of no values is undefined')

  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  if (sorted.length % 2 === 1) return sorted[middle] as number

  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** Median, extremes and relative spread of one figure over runs. */
export function spreadOf(values: readonly number[]): Spread {
  const mid = median(values)
  const min = Math.min(...values)
  const max = Math.max(...values)

  return { median: mid, min, max, spread: mid > 0 ? (max - min) / mid : 0 }
}

function latencyAggregate(summaries: LatencySummary[]): LatencyAggregate {
  const figures = LATENCY_FIGURES.map((figure) => [
    figure,
    spreadOf(summaries.map((summary) => summary[figure])),
  ])

  return Object.fromEntries(figures) as LatencyAggregate
}

/**
 * Aggregates repeated runs of one mode. Every run must be of the same mode; the workload is
 * taken from the first run.
 */
export function aggregateRuns(
  runs: ReadonlyArray<{ result: BenchResult; file: string }>,
): ModeAggregate {
  const [first] = runs
  if (!first) throw new RangeError('Aggregating needs at least one run')

  const stray = runs.find(({ result }) => result.mode !== first.result.mode)
  if (stray) {
    throw new RangeError(`Cannot aggregate ${stray.result.mode} with ${first.result.mode}`)
  }

  const results = runs.map(({ result }) => result)
  const sum = (pick: (result: BenchResult) => number) =>
    results.reduce((total, result) => total + pick(result), 0)

  return {
    schemaVersion: AGGREGATE_SCHEMA_VERSION,
    kind: 'aggregate',
    mode: first.result.mode,
    runs: runs.length,
    files: runs.map(({ file }) => path.basename(file)),
    complete: results.every((result) => result.complete),
    verified: results.every(isVerified),
    workload: first.result.workload,
    throughput: {
      msgsPerSec: spreadOf(results.map((result) => result.throughput.msgsPerSec)),
      mbPerSec: spreadOf(results.map((result) => result.throughput.mbPerSec)),
    },
    latency: {
      e2e: latencyAggregate(results.map((result) => result.latency.e2e)),
      processing: latencyAggregate(results.map((result) => result.latency.processing)),
      queueWait: latencyAggregate(results.map((result) => result.latency.queueWait)),
    },
    counts: {
      produced: sum((result) => result.counts.produced),
      processed: sum((result) => result.counts.processed),
      duplicates: sum((result) => result.counts.duplicates),
      lost: sum((result) => result.counts.lost),
      orderViolations: sum((result) => result.counts.orderViolations),
      failed: sum((result) => result.counts.failed),
    },
    resources: {
      cpuMs: spreadOf(
        results.map((result) => result.resources.cpuUserMs + result.resources.cpuSystemMs),
      ),
      peakRssMb: spreadOf(results.map((result) => result.resources.peakRssMb)),
    },
  }
}

/** The result file of run `run` (from 1) of a mode that runs more than once. */
export function runFileName(mode: string, run: number): string {
  return `${mode}-run${run}.json`
}

/** The aggregate file of a mode that ran more than once. */
export function aggregateFileName(mode: string): string {
  return `${mode}.aggregate.json`
}

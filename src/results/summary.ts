import { type BenchResult, isVerified } from './result.js'
import { alignColumns } from './table.js'

/** One mode's line of a comparison. */
export interface ModeSummary {
  mode: string
  file: string
  complete: boolean
  throughputMsgsPerSec: number
  /** Throughput divided by the baseline's; null without a baseline in the run. */
  ratioToBaseline: number | null
  latencyMs: { e2eP50: number; e2eP99: number; processingP50: number; processingP99: number }
  counts: BenchResult['counts']
  cpuMs: number
  peakRssMb: number
}

/** What `summary.json` holds: the workload once, and one line per mode. */
export interface RunSummary {
  schemaVersion: 1
  startedAt: string
  directory: string
  workload: BenchResult['workload'] | null
  modes: ModeSummary[]
  /** True when every mode completed with nothing lost and order kept. */
  verified: boolean
}

export function summarizeRun(
  directory: string,
  startedAt: Date,
  results: Array<{ result: BenchResult; file: string }>,
): RunSummary {
  const baseline = results.find(({ result }) => result.mode === 'baseline')?.result
  const base = baseline?.throughput.msgsPerSec

  const modes = results.map(({ result, file }) => ({
    mode: result.mode,
    file,
    complete: result.complete,
    throughputMsgsPerSec: result.throughput.msgsPerSec,
    ratioToBaseline: base ? Math.round((result.throughput.msgsPerSec / base) * 100) / 100 : null,
    latencyMs: {
      e2eP50: result.latency.e2e.p50,
      e2eP99: result.latency.e2e.p99,
      processingP50: result.latency.processing.p50,
      processingP99: result.latency.processing.p99,
    },
    counts: result.counts,
    cpuMs: result.resources.cpuUserMs + result.resources.cpuSystemMs,
    peakRssMb: result.resources.peakRssMb,
  }))

  return {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    directory,
    workload: results[0]?.result.workload ?? null,
    modes,
    verified: results.every(({ result }) => isVerified(result)),
  }
}

const fixed = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The side-by-side table `bench:all` prints. */
export function renderComparison(summary: RunSummary): string {
  const rows = [
    [
      'mode',
      'msg/s',
      'vs baseline',
      'e2e p50',
      'e2e p99',
      'proc p99',
      'processed',
      'dup',
      'lost',
      'order',
      'cpu ms',
      'rss MB',
    ],
    ...summary.modes.map((m) => [
      m.complete ? m.mode : `${m.mode} (incomplete)`,
      fixed(m.throughputMsgsPerSec),
      m.ratioToBaseline === null ? '-' : `${fixed(m.ratioToBaseline, 2)}×`,
      fixed(m.latencyMs.e2eP50, 1),
      fixed(m.latencyMs.e2eP99, 1),
      fixed(m.latencyMs.processingP99, 2),
      fixed(m.counts.processed),
      fixed(m.counts.duplicates),
      fixed(m.counts.lost),
      fixed(m.counts.orderViolations),
      fixed(m.cpuMs),
      fixed(m.peakRssMb, 1),
    ]),
  ]

  return [
    alignColumns(rows),
    '',
    summary.verified
      ? 'verified: every mode processed every message, none lost, order kept'
      : 'VERIFICATION FAILED for at least one mode',
  ].join('\n')
}

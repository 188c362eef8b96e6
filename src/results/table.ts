import { type BenchResult, isVerified } from './result.js'

/** Renders rows as columns aligned on spaces; numbers align right. */
export function alignColumns(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length)
    })
  }

  return rows
    .map((row) =>
      row
        .map((cell, index) => {
          const width = widths[index] ?? 0
          return /^[-\d.,×%]+$/.test(cell) && index > 0 ? cell.padStart(width) : cell.padEnd(width)
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/** The readable summary of one result, as printed after a run. */
export function renderResult(result: BenchResult, file?: string): string {
  const { counts, latency, throughput, timings, resources } = result
  const status = result.complete ? 'complete' : `INCOMPLETE (${result.error ?? 'stopped'})`
  const verified = isVerified(result)

  const lines = [
    `${result.mode}: ${status}`,
    '',
    alignColumns([
      [
        'throughput',
        `${number(throughput.msgsPerSec)} msg/s`,
        `${number(throughput.mbPerSec, 2)} MB/s`,
      ],
      [
        'timings',
        `join ${number(timings.joinMs)} ms`,
        `consume ${number(timings.consumeMs)} ms`,
        `produce ${number(timings.produceMs)} ms`,
      ],
    ]),
    '',
    alignColumns([
      ['latency (ms)', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
      ...(['e2e', 'processing', 'queueWait'] as const).map((name) => [
        name,
        ...[
          latency[name].p50,
          latency[name].p90,
          latency[name].p95,
          latency[name].p99,
          latency[name].p999,
          latency[name].max,
          latency[name].mean,
        ].map((v) => number(v, 2)),
      ]),
    ]),
    '',
    alignColumns([
      [
        'produced',
        'processed',
        'duplicates',
        'lost',
        'order violations',
        'failed',
        'commits = end',
      ],
      [
        number(counts.produced),
        number(counts.processed),
        number(counts.duplicates),
        number(counts.lost),
        number(counts.orderViolations),
        number(counts.failed),
        result.commits.matchesEndOffsets ? 'yes' : 'NO',
      ],
    ]),
    '',
    `cpu ${number(resources.cpuUserMs + resources.cpuSystemMs)} ms (user ${number(resources.cpuUserMs)}, system ${number(resources.cpuSystemMs)}), peak RSS ${number(resources.peakRssMb, 1)} MB, event-loop delay p99 ${number(resources.eventLoopDelayP99Ms, 2)} ms`,
    verified
      ? 'verified: nothing lost, order kept, commits at the end offsets'
      : 'VERIFICATION FAILED',
  ]
  if (file) lines.push(`result: ${file}`)

  return lines.join('\n')
}

import path from 'node:path'

import { LATENCY_FIGURES, type LatencyAggregate } from '../aggregate.js'
import type { BenchResult } from '../result.js'
import { baselineOf, describeRunCounts, ratioToBaseline } from './figures.js'
import { formatLatency, formatMedian, formatNumber, formatPercent } from './format.js'
import type { RunFolder } from './run-folder.js'

/** Column titles of the latency figures. */
export const LATENCY_TITLES: Record<(typeof LATENCY_FIGURES)[number], string> = {
  p50: 'p50',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  p999: 'p99.9',
  max: 'max',
  mean: 'mean',
}

function table(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|')
  const line = (cells: string[]) => `| ${cells.map(escape).join(' | ')} |`
  const numeric = (index: number) =>
    index > 0 && rows.every((row) => /^[-+\d.,×%± ]+$/.test(row[index] ?? ''))
  const align = header.map((_, index) => (numeric(index) ? '---:' : '---'))

  return [line(header), `| ${align.join(' | ')} |`, ...rows.map(line)].join('\n')
}

/** One sentence about the workload every mode ran. */
export function describeWorkload(workload: BenchResult['workload']): string {
  const shape =
    workload.shape === 'rate'
      ? `${formatNumber(workload.rate ?? 0)} msg/s for ${formatNumber((workload.durationMs ?? 0) / 1000)} s`
      : `a backlog of ${formatNumber(workload.messages)} messages`

  return `${shape} of ${formatNumber(workload.payloadBytes)} B on ${workload.partitions} partitions, ${formatNumber(workload.keys)} keys (${workload.keyDistribution}), work ${workload.work}`
}

function latencySection(
  folder: RunFolder,
  title: string,
  pick: (m: ModeLatency) => LatencyAggregate,
) {
  const header = ['mode', ...LATENCY_FIGURES.map((figure) => LATENCY_TITLES[figure])]
  const rows = folder.modes.map(({ mode, aggregate }) => [
    mode,
    ...LATENCY_FIGURES.map((figure) =>
      formatMedian(pick(aggregate.latency)[figure], aggregate.runs, formatLatency),
    ),
  ])

  return [`### ${title}`, '', table(header, rows)].join('\n')
}

type ModeLatency = RunFolder['modes'][number]['aggregate']['latency']

/**
 * The Markdown report of a run folder: throughput and its ratio to the baseline, latency
 * percentiles, correctness counts and resources. With repeated runs each figure is the median
 * followed by ± half the spread, and a table lists every run.
 */
export function renderMarkdownReport(folder: RunFolder): string {
  const baseline = baselineOf(folder)
  const first = folder.modes[0]?.runs[0]?.result
  const repeated = folder.modes.some(({ runs }) => runs.length > 1)

  const throughputRows = folder.modes.map((entry) => {
    const { aggregate } = entry
    const ratio = ratioToBaseline(entry, baseline)
    const msgs = aggregate.throughput.msgsPerSec

    return [
      entry.mode,
      formatNumber(aggregate.runs),
      formatNumber(msgs.median),
      formatNumber(msgs.min),
      formatNumber(msgs.max),
      aggregate.runs > 1 ? formatPercent(msgs.spread) : '-',
      formatNumber(aggregate.throughput.mbPerSec.median, 2),
      ratio === null ? '-' : `${formatNumber(ratio, 2)}×`,
    ]
  })

  const correctnessRows = folder.modes.map(({ mode, aggregate, runs }) => {
    const atEnd = runs.filter(({ result }) => result.commits.matchesEndOffsets).length
    const counts = aggregate.counts

    return [
      mode,
      formatNumber(counts.produced),
      formatNumber(counts.processed),
      formatNumber(counts.duplicates),
      formatNumber(counts.lost),
      formatNumber(counts.orderViolations),
      formatNumber(counts.failed),
      `${atEnd}/${runs.length}`,
      aggregate.verified ? 'yes' : '**NO**',
    ]
  })

  const resourceRows = folder.modes.map(({ mode, aggregate, runs }) => [
    mode,
    formatMedian(aggregate.resources.cpuMs, aggregate.runs),
    formatMedian(aggregate.resources.peakRssMb, aggregate.runs, (v) => formatNumber(v, 1)),
    formatNumber(Math.max(...runs.map(({ result }) => result.resources.eventLoopDelayP99Ms)), 2),
    formatNumber(Math.max(...runs.map(({ result }) => result.resources.workerRestarts ?? 0))),
  ])

  const sections = [
    '# kbench report',
    '',
    `Results: \`${folder.directory}\` (${folder.modes.length} modes, ${describeRunCounts(folder)}).`,
  ]
  if (first) {
    sections.push(
      '',
      `Workload: ${describeWorkload(first.workload)}.`,
      '',
      `Environment: kbench ${first.env.kbench}, Node.js ${first.env.node}, kafkajs ${first.env.kafkajs}, broker ${first.env.broker ?? 'unknown'}, ${first.env.cpuCount} × ${first.env.cpuModel}.`,
    )
  }
  if (repeated) {
    sections.push(
      '',
      'Figures are medians over the runs; ± is half the spread, where spread = (max - min) / median.',
    )
  }

  sections.push(
    '',
    '## Throughput',
    '',
    table(['mode', 'runs', 'msg/s', 'min', 'max', 'spread', 'MB/s', 'vs baseline'], throughputRows),
    '',
    '## Latency (ms)',
    '',
    latencySection(folder, 'End to end (intended send to processed)', (l) => l.e2e),
    '',
    latencySection(folder, 'Processing (handler start to end)', (l) => l.processing),
    '',
    latencySection(folder, 'Queue wait (received to handler start)', (l) => l.queueWait),
    '',
    '## Correctness',
    '',
    repeated ? 'Counts are sums over the runs.\n' : '',
    table(
      [
        'mode',
        'produced',
        'processed',
        'duplicates',
        'lost',
        'order violations',
        'failed',
        'commits at end',
        'verified',
      ],
      correctnessRows,
    ),
    '',
    '## Resources',
    '',
    table(
      ['mode', 'CPU ms', 'peak RSS MB', 'event-loop p99 ms (worst)', 'worker restarts (most)'],
      resourceRows,
    ),
  )

  if (repeated) {
    const runRows = folder.modes.flatMap(({ mode, runs }) =>
      runs.map(({ result, file }) => [
        mode,
        path.basename(file),
        formatNumber(result.throughput.msgsPerSec),
        formatLatency(result.latency.e2e.p50),
        formatLatency(result.latency.e2e.p99),
        formatLatency(result.latency.processing.p99),
        result.complete ? 'yes' : 'no',
      ]),
    )
    sections.push(
      '',
      '## Runs',
      '',
      table(['mode', 'file', 'msg/s', 'e2e p50', 'e2e p99', 'proc p99', 'complete'], runRows),
    )
  }

  return `${sections.filter((section, index, all) => section !== '' || all[index - 1] !== '').join('\n')}\n`
}

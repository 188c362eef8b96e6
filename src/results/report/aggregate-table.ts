import type { ModeAggregate } from '../aggregate.js'
import { alignColumns } from '../table.js'
import { formatLatency, formatNumber, formatPercent } from './format.js'

/** The terminal table of repeated runs: medians with the spread of each figure. */
export function renderAggregateTable(aggregates: readonly ModeAggregate[]): string {
  const rows = [
    [
      'mode',
      'runs',
      'msg/s median',
      'spread',
      'e2e p50',
      'e2e p99',
      'spread',
      'proc p99',
      'spread',
      'verified',
    ],
    ...aggregates.map((aggregate) => [
      aggregate.mode,
      formatNumber(aggregate.runs),
      formatNumber(aggregate.throughput.msgsPerSec.median),
      formatPercent(aggregate.throughput.msgsPerSec.spread),
      formatLatency(aggregate.latency.e2e.p50.median),
      formatLatency(aggregate.latency.e2e.p99.median),
      formatPercent(aggregate.latency.e2e.p99.spread),
      formatLatency(aggregate.latency.processing.p99.median),
      formatPercent(aggregate.latency.processing.p99.spread),
      aggregate.verified ? 'yes' : 'NO',
    ]),
  ]

  return alignColumns(rows)
}

import { stat } from 'node:fs/promises'
import path from 'node:path'

import { ExitCode, KbenchError } from '../errors.js'
import type { Logger } from '../logging.js'
import { aggregateRuns, type ModeAggregate, type Spread } from './aggregate.js'
import { formatChange, formatNumber, latencyDigits } from './report/format.js'
import { loadRunFolder, looksLikeResult, readJsonFile } from './report/run-folder.js'
import { alignColumns } from './table.js'

/**
 * The change a metric must exceed to count when neither side repeated its runs, so that
 * there is no measured spread to judge it by: 5%.
 */
export const DEFAULT_NOISE_FLOOR_PERCENT = 5

/** The threshold of `kbench compare --fail-on-regression` when none is given: 10%. */
export const DEFAULT_REGRESSION_THRESHOLD_PERCENT = 10

/** A metric compared between two runs, and which way is better. */
export interface ComparedMetric {
  name: 'throughput' | 'e2eP50' | 'e2eP99' | 'processingP99'
  label: string
  better: 'higher' | 'lower'
  pick: (aggregate: ModeAggregate) => Spread
}

/** The metrics `kbench compare` judges, in the order it shows them. */
export const COMPARED_METRICS: readonly ComparedMetric[] = [
  {
    name: 'throughput',
    label: 'throughput msg/s',
    better: 'higher',
    pick: (aggregate) => aggregate.throughput.msgsPerSec,
  },
  {
    name: 'e2eP50',
    label: 'e2e p50 ms',
    better: 'lower',
    pick: (aggregate) => aggregate.latency.e2e.p50,
  },
  {
    name: 'e2eP99',
    label: 'e2e p99 ms',
    better: 'lower',
    pick: (aggregate) => aggregate.latency.e2e.p99,
  },
  {
    name: 'processingP99',
    label: 'processing p99 ms',
    better: 'lower',
    pick: (aggregate) => aggregate.latency.processing.p99,
  },
]

/** One metric of one mode, old against new. */
export interface MetricChange {
  metric: ComparedMetric['name']
  label: string
  better: ComparedMetric['better']
  old: number
  new: number
  /** (new - old) / old in percent; null when the old value is 0. */
  changePercent: number | null
  /** The change a difference must exceed to be significant, in percent. */
  noisePercent: number
  /** True when the change exceeds the noise. */
  significant: boolean
  /** `same` when the change is within the noise. */
  verdict: 'better' | 'worse' | 'same'
}

/** A mode found on both sides. */
export interface ModeComparison {
  mode: string
  oldRuns: number
  newRuns: number
  metrics: MetricChange[]
}

/** A significant change for the worse beyond the threshold. */
export interface Regression {
  mode: string
  metric: ComparedMetric['name']
  label: string
  changePercent: number
  noisePercent: number
}

/** What `kbench compare` reports, and `--json` prints. */
export interface Comparison {
  old: string
  new: string
  noiseFloorPercent: number
  thresholdPercent: number
  modes: ModeComparison[]
  /** Modes that ran only on the old side or only on the new one: reported, not judged. */
  onlyInOld: string[]
  onlyInNew: string[]
  regressions: Regression[]
}

export interface CompareOptions {
  /** The noise when neither side has repeated runs, in percent. */
  noiseFloorPercent?: number
  /** A significant regression larger than this, in percent, fails the comparison. */
  thresholdPercent?: number
}

/**
 * The noise of a metric: the larger spread of the sides that repeated their runs, or the
 * floor when neither did. A single run has no spread to measure.
 */
export function noisePercent(
  old: { spread: Spread; runs: number },
  current: { spread: Spread; runs: number },
  floorPercent = DEFAULT_NOISE_FLOOR_PERCENT,
): number {
  const measured = [old, current]
    .filter(({ runs }) => runs > 1)
    .map(({ spread }) => spread.spread * 100)
  if (measured.length === 0) return floorPercent

  return Math.max(...measured)
}

/** Compares one metric: its change in percent and whether it exceeds the noise. */
export function compareMetric(
  metric: ComparedMetric,
  old: ModeAggregate,
  current: ModeAggregate,
  floorPercent = DEFAULT_NOISE_FLOOR_PERCENT,
): MetricChange {
  const before = metric.pick(old)
  const after = metric.pick(current)
  const noise = noisePercent(
    { spread: before, runs: old.runs },
    { spread: after, runs: current.runs },
    floorPercent,
  )
  const change = before.median > 0 ? ((after.median - before.median) / before.median) * 100 : null

  const significant = change !== null && Math.abs(change) > noise
  const improved = metric.better === 'higher' ? (change ?? 0) > 0 : (change ?? 0) < 0

  return {
    metric: metric.name,
    label: metric.label,
    better: metric.better,
    old: before.median,
    new: after.median,
    changePercent: change,
    noisePercent: noise,
    significant,
    verdict: significant ? (improved ? 'better' : 'worse') : 'same',
  }
}

/**
 * Compares every mode present on both sides, metric by metric. A significant change for the
 * worse whose size exceeds the threshold is a regression.
 */
export function compareRuns(
  old: { source: string; aggregates: readonly ModeAggregate[] },
  current: { source: string; aggregates: readonly ModeAggregate[] },
  options: CompareOptions = {},
): Comparison {
  const floor = options.noiseFloorPercent ?? DEFAULT_NOISE_FLOOR_PERCENT
  const threshold = options.thresholdPercent ?? DEFAULT_REGRESSION_THRESHOLD_PERCENT
  const oldModes = new Map(old.aggregates.map((aggregate) => [aggregate.mode, aggregate]))
  const newModes = new Map(current.aggregates.map((aggregate) => [aggregate.mode, aggregate]))

  const modes: ModeComparison[] = []
  for (const [mode, before] of oldModes) {
    const after = newModes.get(mode)
    if (!after) continue

    modes.push({
      mode,
      oldRuns: before.runs,
      newRuns: after.runs,
      metrics: COMPARED_METRICS.map((metric) => compareMetric(metric, before, after, floor)),
    })
  }

  const regressions = modes.flatMap(({ mode, metrics }) =>
    metrics
      .filter(
        (change) => change.verdict === 'worse' && Math.abs(change.changePercent ?? 0) > threshold,
      )
      .map((change) => ({
        mode,
        metric: change.metric,
        label: change.label,
        changePercent: change.changePercent ?? 0,
        noisePercent: change.noisePercent,
      })),
  )

  return {
    old: old.source,
    new: current.source,
    noiseFloorPercent: floor,
    thresholdPercent: threshold,
    modes,
    onlyInOld: [...oldModes.keys()].filter((mode) => !newModes.has(mode)),
    onlyInNew: [...newModes.keys()].filter((mode) => !oldModes.has(mode)),
    regressions,
  }
}

function looksLikeAggregate(value: unknown): value is ModeAggregate {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Partial<ModeAggregate>).kind === 'aggregate'
  )
}

function looksLikeSummary(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { modes?: unknown }).modes) &&
    typeof (value as { directory?: unknown }).directory === 'string'
  )
}

/**
 * The aggregates of one side of a comparison: a run folder (every mode in it), its
 * summary.json (the folder it sits in), one `<mode>.json` or `<mode>-run<k>.json` result,
 * or one `<mode>.aggregate.json`.
 */
export async function loadComparable(
  target: string,
  logger: Logger,
): Promise<{ source: string; aggregates: ModeAggregate[] }> {
  const source = path.resolve(target)
  const kind = await stat(source).catch((error: unknown) => {
    throw new KbenchError('RESULTS_NOT_FOUND', `Cannot read ${source}.`, {
      exitCode: ExitCode.Usage,
      suggestions: ['Give a run folder written by a bench command, or one of its JSON files.'],
      cause: error,
    })
  })

  if (kind.isDirectory()) {
    const folder = await loadRunFolder(source, logger)

    return { source, aggregates: folder.modes.map(({ aggregate }) => aggregate) }
  }

  const value = await readJsonFile(source)
  if (looksLikeAggregate(value)) return { source, aggregates: [value] }
  if (looksLikeResult(value)) {
    return { source, aggregates: [aggregateRuns([{ result: value, file: source }])] }
  }
  if (looksLikeSummary(value)) {
    const folder = await loadRunFolder(path.dirname(source), logger)

    return { source, aggregates: folder.modes.map(({ aggregate }) => aggregate) }
  }

  throw new KbenchError('NOT_RESULTS', `${source} is not a kbench result, aggregate or summary.`, {
    exitCode: ExitCode.Usage,
    suggestions: ['Give a run folder written by a bench command, or one of its JSON files.'],
  })
}

const VERDICTS: Record<MetricChange['verdict'], string> = {
  better: 'better',
  worse: 'WORSE',
  same: 'within noise',
}

/** The terminal table of a comparison, followed by the modes found on one side only. */
export function renderComparisonTable(comparison: Comparison): string {
  const rows = [
    ['mode', 'metric', 'old', 'new', 'change', 'noise', 'verdict'],
    ...comparison.modes.flatMap(({ mode, metrics }) =>
      metrics.map((change) => [
        mode,
        change.label,
        formatFigure(change.old),
        formatFigure(change.new),
        change.changePercent === null ? '-' : formatChange(change.changePercent),
        `${formatNumber(change.noisePercent, 1)}%`,
        VERDICTS[change.verdict],
      ]),
    ),
  ]

  const lines = [alignColumns(rows)]
  if (comparison.onlyInOld.length > 0) lines.push(`only in old: ${comparison.onlyInOld.join(', ')}`)
  if (comparison.onlyInNew.length > 0) lines.push(`only in new: ${comparison.onlyInNew.join(', ')}`)

  return lines.join('\n')
}

const formatFigure = (value: number) => formatNumber(value, latencyDigits(value))

/** One regression as a phrase naming its mode and metric. */
export function describeRegression(regression: Regression): string {
  return `${regression.mode} ${regression.label} ${formatChange(regression.changePercent)} (noise ${formatNumber(regression.noisePercent, 1)}%)`
}

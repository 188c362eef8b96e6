import fs from 'node:fs/promises'
import path from 'node:path'

import { describeError, ExitCode, KbenchError } from '../../errors.js'
import type { Logger } from '../../logging.js'
import { aggregateRuns, type ModeAggregate } from '../aggregate.js'
import type { BenchResult } from '../result.js'

/** Every run of one mode found in a results folder, with their aggregate. */
export interface ModeRuns {
  mode: string
  /** In run order. */
  runs: Array<{ result: BenchResult; file: string }>
  aggregate: ModeAggregate
}

/** The results of one run folder: each mode once, the baseline first, then in the order run. */
export interface RunFolder {
  directory: string
  modes: ModeRuns[]
}

/** Files in a run folder that are not per-mode results. */
const NOT_RESULTS = /^(summary|report)\.json$|\.aggregate\.json$/

/** True for a parsed JSON value shaped like a `<mode>.json` result. */
export function looksLikeResult(value: unknown): value is BenchResult {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<BenchResult>

  return (
    candidate.schemaVersion === 1 &&
    typeof candidate.mode === 'string' &&
    typeof candidate.throughput?.msgsPerSec === 'number' &&
    typeof candidate.latency?.e2e === 'object' &&
    Array.isArray(candidate.timeseries)
  )
}

function runNumber(file: string): number {
  const match = /-run(\d+)\.json$/.exec(file)

  return match ? Number(match[1]) : 0
}

/** Reads and parses a JSON file, naming the file in the error when it cannot. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    throw new KbenchError('RESULTS_NOT_FOUND', `Cannot read ${file}: ${describeError(error)}`, {
      exitCode: ExitCode.Usage,
      suggestions: ['Give a run folder written by a bench command, or one of its JSON files.'],
      cause: error,
    })
  }

  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new KbenchError('RESULTS_UNREADABLE', `${file} is not valid JSON.`, {
      exitCode: ExitCode.Usage,
      cause: error,
    })
  }
}

/** Groups results by mode: the baseline first, then the modes in the order they started. */
export function groupByMode(found: Array<{ result: BenchResult; file: string }>): ModeRuns[] {
  const byMode = new Map<string, Array<{ result: BenchResult; file: string }>>()
  const ordered = [...found].sort(
    (a, b) =>
      a.result.startedAt.localeCompare(b.result.startedAt) || runNumber(a.file) - runNumber(b.file),
  )
  for (const entry of ordered) {
    const runs = byMode.get(entry.result.mode) ?? []
    runs.push(entry)
    byMode.set(entry.result.mode, runs)
  }

  const modes = [...byMode.entries()].map(([mode, runs]) => ({
    mode,
    runs,
    aggregate: aggregateRuns(runs),
  }))

  return [
    ...modes.filter(({ mode }) => mode === 'baseline'),
    ...modes.filter(({ mode }) => mode !== 'baseline'),
  ]
}

/**
 * Loads every result in a run folder: `<mode>.json` of single runs and `<mode>-run<k>.json`
 * of repeated ones. Aggregates are recomputed from the runs, so a folder without its
 * `<mode>.aggregate.json` still reports medians and spreads. Unparseable files are skipped
 * with a warning; a folder without any result is an error.
 */
export async function loadRunFolder(directory: string, logger: Logger): Promise<RunFolder> {
  const dir = path.resolve(directory)
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    throw new KbenchError('RESULTS_NOT_FOUND', `Cannot read the results folder ${dir}.`, {
      exitCode: ExitCode.Usage,
      suggestions: ['Give a run folder written by a bench command, such as bench:all.'],
      cause: error,
    })
  })

  const found: Array<{ result: BenchResult; file: string }> = []
  const candidates = entries.filter(
    (entry) => entry.isFile() && entry.name.endsWith('.json') && !NOT_RESULTS.test(entry.name),
  )
  for (const entry of candidates) {
    const file = path.join(dir, entry.name)
    try {
      const value = await readJsonFile(file)
      if (looksLikeResult(value)) found.push({ result: value, file })
      else logger.debug(`Skipped ${file}: not a kbench result`)
    } catch (error) {
      logger.warn(`Skipped ${file}: ${describeError(error)}`)
    }
  }

  if (found.length === 0) {
    throw new KbenchError('NO_RESULTS', `No kbench results in ${dir}.`, {
      exitCode: ExitCode.Usage,
      suggestions: ['Run a bench command first; it prints the folder it wrote its results to.'],
    })
  }

  return { directory: dir, modes: groupByMode(found) }
}

import fs from 'node:fs/promises'
import path from 'node:path'
import lockfile from 'proper-lockfile'

import { ExitCode, KbenchError, describeError } from '../errors.js'
import { type Logger, silentLogger, trace } from '../logging.js'
import { escapeCell, formatRow, parseRow, splitUnescaped, unescapeCell } from './markdown-table.js'

const debug = trace('journal')

/** The column titles of the journal table, in order. */
export const JOURNAL_COLUMNS = ['at', 'command', 'outcome', 'figures', 'result'] as const

/** What a new journal file starts with: a title, one sentence, and the table header. */
export const JOURNAL_HEADER = [
  '# kbench journal',
  '',
  'One line per run of `kbench validate`, `kbench kafka:reset` and the bench commands.',
  '',
  formatRow([...JOURNAL_COLUMNS]),
  formatRow(JOURNAL_COLUMNS.map(() => '---')),
  '',
].join('\n')

/** A figure's value as the caller measured it; it is written as text. */
export type FigureValue = string | number | boolean

/** One run to record. */
export interface JournalEntry {
  /** The command id, such as `validate` or `bench:async`; never argv, which may hold a secret. */
  command: string
  /** A short verdict such as `passed`, `failed: test` or `incomplete`. */
  outcome: string
  /** Key figures by name, such as { throughput: '5210 msg/s', p99: '12 ms', lost: 0 }. */
  figures?: Record<string, FigureValue>
  /** Where the run's full result was written, if anywhere. */
  resultPath?: string
  /** When the run ended; defaults to now. */
  at?: Date
}

/** One line read back from a journal. */
export interface JournalRecord {
  at: Date
  command: string
  outcome: string
  figures: Record<string, string>
  resultPath?: string
}

export interface AppendJournalOptions {
  /** The journal file; created with its header when missing. */
  path: string
  entry: JournalEntry
  logger?: Logger
}

/**
 * Figure names that suggest a credential. Callers pass measurements, never connection settings;
 * should one slip through anyway, its value is replaced rather than written to a file that is
 * often committed.
 */
const SECRET_NAME = /password|passphrase|passwd|secret|token|credential|sasl|api[-_ ]?key/i

const REDACTED = '[redacted]'

/** How long a writer waits for another one to finish before giving up. */
const LOCK_RETRIES = { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true }

/** A lock older than this is left over by a writer that died, and is taken over. */
const STALE_LOCK_MS = 5000

/** The journal line for an entry, without its line break. */
export function formatJournalLine(entry: JournalEntry): string {
  const command = entry.command.trim()
  const outcome = entry.outcome.trim()

  if (!command || !outcome) {
    throw new KbenchError(
      'JOURNAL_ENTRY_INVALID',
      'A journal entry needs a command and an outcome.',
    )
  }

  const figures = Object.entries(entry.figures ?? {}).map(([name, value]) => {
    const shown = SECRET_NAME.test(name) ? REDACTED : String(value)
    return `${escapeCell(name.trim(), ',=')}=${escapeCell(shown, ',=')}`
  })

  return formatRow([
    (entry.at ?? new Date()).toISOString(),
    escapeCell(command),
    escapeCell(outcome),
    figures.join(', '),
    escapeCell(entry.resultPath ?? ''),
  ])
}

/**
 * Appends one line to the journal, creating the file with its header first when it is missing
 * or empty. Concurrent writers, in this process or others, take turns through a lock beside the
 * file, and each line is written in a single append, so no line is lost or torn.
 */
export async function appendJournalEntry(options: AppendJournalOptions): Promise<string> {
  const logger = options.logger ?? silentLogger
  const file = path.resolve(options.path)
  const line = formatJournalLine(options.entry)

  try {
    await fs.mkdir(path.dirname(file), { recursive: true })

    const release = await lockfile.lock(file, {
      realpath: false,
      retries: LOCK_RETRIES,
      stale: STALE_LOCK_MS,
      onCompromised: (error) => logger.warn(`The lock on ${file} was lost: ${error.message}`),
    })

    try {
      await fs.appendFile(file, (await prefixFor(file)) + `${line}\n`)
    } finally {
      await release()
    }
  } catch (error) {
    throw new KbenchError(
      'JOURNAL_WRITE_FAILED',
      `Could not add a line to the journal ${file}: ${describeError(error)}`,
      {
        exitCode: ExitCode.Unexpected,
        cause: error,
        suggestions: [
          'Check that the folder is writable, or set journal.path in the configuration.',
          'Pass --no-journal to run without it.',
        ],
      },
    )
  }

  debug('appended to %s: %s', file, line)
  logger.debug(`Journal: ${file}`)

  return line
}

/** What must precede a new line: the header for a new file, a line break after a cut-off one. */
async function prefixFor(file: string): Promise<string> {
  const handle = await fs.open(file, 'a+')

  try {
    const { size } = await handle.stat()
    if (size === 0) return JOURNAL_HEADER

    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, size - 1)

    return last.toString() === '\n' ? '' : '\n'
  } finally {
    await handle.close()
  }
}

/**
 * The entries of a journal, oldest first. Lines outside the table are ignored; a table row that
 * does not have the journal's columns is reported with its line number.
 */
export async function readJournal(file: string): Promise<JournalRecord[]> {
  const text = await fs.readFile(file, 'utf8')
  const records: JournalRecord[] = []

  for (const [index, line] of text.split('\n').entries()) {
    const cells = parseRow(line)
    if (!cells || cells[0] === JOURNAL_COLUMNS[0] || /^-+$/.test(cells[0] ?? '')) continue

    const record = cells.length === JOURNAL_COLUMNS.length ? toRecord(cells) : undefined
    if (!record) {
      throw new KbenchError(
        'JOURNAL_MALFORMED',
        `Line ${index + 1} of the journal ${file} is not a journal entry: ${line}`,
        { exitCode: ExitCode.Unexpected },
      )
    }

    records.push(record)
  }

  return records
}

function toRecord(cells: string[]): JournalRecord | undefined {
  const [at, command, outcome, figures, resultPath] = cells
  const when = new Date(at ?? '')

  if (Number.isNaN(when.getTime()) || !command || !outcome) return undefined

  return {
    at: when,
    command: unescapeCell(command),
    outcome: unescapeCell(outcome),
    figures: parseFigures(figures ?? ''),
    ...(resultPath ? { resultPath: unescapeCell(resultPath) } : {}),
  }
}

function parseFigures(raw: string): Record<string, string> {
  const figures: Record<string, string> = {}
  if (!raw) return figures

  for (const pair of splitUnescaped(raw, ',')) {
    const [name, ...value] = splitUnescaped(pair.trim(), '=')
    figures[unescapeCell(name ?? '')] = unescapeCell(value.join('='))
  }

  return figures
}

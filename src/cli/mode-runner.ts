import type { Config } from '@oclif/core'

import type { LoadedConfig } from '../config/load.js'
import { describeError } from '../errors.js'
import { journalTarget } from '../journal/flag.js'
import { appendJournalEntry } from '../journal/journal.js'
import type { Logger } from '../logging.js'
import { resolveModeSettings } from '../modes/flags.js'
import {
  discoverModes,
  type RegisteredMode,
  reportModeProblems,
  requireMode,
} from '../modes/registry.js'
import { type BenchResult, isVerified } from '../results/result.js'
import type { BenchRunOutput } from './bench-run.js'

/** Discovers the installed modes, reporting plugins that contribute none usable. */
export async function installedModes(
  config: Config,
  logger: Logger,
): Promise<Map<string, RegisteredMode>> {
  const { modes, problems } = await discoverModes(config)
  reportModeProblems(problems, logger)

  return modes
}

/** One mode with its settings resolved: flags, then `modes.<name>`, then its defaults. */
export function prepareMode(
  modes: Map<string, RegisteredMode>,
  name: string,
  flags: Record<string, unknown>,
  loaded: LoadedConfig,
) {
  const { mode } = requireMode(modes, name)
  const settings = resolveModeSettings(name, mode.flags, flags, loaded.config.modes[name])

  return { mode, flags: settings }
}

/** The key figures of a result, as the journal and the summary quote them. */
export function keyFigures(result: BenchResult): Record<string, string | number> {
  return {
    mode: result.mode,
    throughput: `${Math.round(result.throughput.msgsPerSec)} msg/s`,
    p99: `${result.latency.e2e.p99} ms`,
    processed: result.counts.processed,
    lost: result.counts.lost,
    duplicates: result.counts.duplicates,
    orderViolations: result.counts.orderViolations,
  }
}

/** Appends one journal line per mode of a run, unless journaling is off. A failure only warns. */
export async function journalRun(
  command: string,
  output: BenchRunOutput,
  flags: { journal?: boolean },
  loaded: LoadedConfig,
  logger: Logger,
): Promise<void> {
  const file = journalTarget(flags.journal, loaded.config.journal)
  if (!file) return

  for (const { result, file: resultPath } of output.results) {
    const verified = isVerified(result)
    try {
      await appendJournalEntry({
        path: file,
        entry: {
          command,
          outcome: verified ? 'passed' : result.complete ? 'failed verification' : 'incomplete',
          figures: keyFigures(result),
          resultPath,
        },
        logger,
      })
    } catch (error) {
      logger.warn(`Could not append to the journal ${file}: ${describeError(error)}`)
    }
  }
}

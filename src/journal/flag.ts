import { Flags } from '@oclif/core'
import path from 'node:path'

import type { BenchConfig } from '../config/schema.js'

/**
 * `--journal` / `--no-journal`, for every command that records its runs. Left unset, the
 * configuration's `journal.enabled` decides.
 */
export const journalFlag = Flags.boolean({
  summary: 'Record this run in the journal (journal.path); --no-journal skips it.',
  allowNo: true,
  helpGroup: 'OUTPUT',
})

/**
 * The journal file a command appends to, or undefined when journaling is off. The flag wins over
 * the configuration; a relative path is taken from the working directory.
 */
export function journalTarget(
  flag: boolean | undefined,
  settings: BenchConfig['journal'],
  cwd = process.cwd(),
): string | undefined {
  if (!(flag ?? settings.enabled)) return undefined

  return path.resolve(cwd, settings.path)
}

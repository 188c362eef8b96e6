import type { Config } from '@oclif/core'
import { z } from 'zod'

import { ExitCode, KbenchError, describeError } from '../errors.js'
import type { Logger } from '../logging.js'
import type { ConsumerMode } from './types.js'

/**
 * The oclif hook event through which plugins contribute consumer modes. A plugin lists it in
 * its package.json (`"oclif": { "hooks": { "kbench:modes": "./hooks/modes.js" } }`) and the
 * hook returns one mode or an array of them. kbench's bundled modes answer it the same way.
 */
export const MODES_HOOK = 'kbench:modes'

/** A discovered mode and the plugin that contributed it. */
export interface RegisteredMode {
  mode: ConsumerMode
  plugin: string
}

/** A plugin whose hook failed or returned something that is not a mode. */
export interface ModeProblem {
  plugin: string
  reason: string
}

const flagSpec = z.looseObject({
  kind: z.enum(['integer', 'number', 'duration', 'option', 'boolean', 'string']),
  summary: z.string(),
})

const modeShape = z.looseObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, {
    message: 'name must be lower-case letters, digits and dashes, starting with a letter',
  }),
  description: z.string().min(1, { message: 'description must not be empty' }),
  ordering: z.union([z.enum(['key', 'partition', 'unordered']), z.function()]),
  flags: z.record(z.string(), flagSpec).optional(),
  run: z.function(),
})

function invalidModeReason(candidate: unknown): string | undefined {
  const parsed = modeShape.safeParse(candidate)
  if (parsed.success) return undefined

  return parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'mode'}: ${issue.message}`)
    .join('; ')
}

/**
 * Asks every plugin for its consumer modes. Invalid answers and failing hooks are returned
 * as problems, each naming its plugin; two modes with the same name are an error naming both
 * plugins.
 */
export async function discoverModes(
  config: Config,
): Promise<{ modes: Map<string, RegisteredMode>; problems: ModeProblem[] }> {
  const answers = await config.runHook(MODES_HOOK, {})
  const modes = new Map<string, RegisteredMode>()
  const problems: ModeProblem[] = answers.failures.map((failure) => ({
    plugin: failure.plugin.name,
    reason: `its ${MODES_HOOK} hook failed: ${describeError(failure.error)}`,
  }))

  for (const success of answers.successes) {
    const plugin = success.plugin.name
    const result = success.result as unknown
    if (result === undefined || result === null) continue
    const candidates = Array.isArray(result) ? result : [result]

    for (const candidate of candidates) {
      const reason = invalidModeReason(candidate)
      if (reason) {
        problems.push({ plugin, reason: `it returned an invalid mode (${reason})` })
        continue
      }

      const mode = candidate as ConsumerMode
      const existing = modes.get(mode.name)
      if (existing) {
        throw new KbenchError(
          'DUPLICATE_MODE',
          `Two plugins define a consumer mode named "${mode.name}": ${existing.plugin} and ${plugin}.`,
          {
            exitCode: ExitCode.Usage,
            suggestions: ['Uninstall or unlink one of them (kbench plugins uninstall <name>).'],
          },
        )
      }
      modes.set(mode.name, { mode, plugin })
    }
  }

  return { modes, problems }
}

/** Logs each problem with its plugin's name, so no mode disappears without a word. */
export function reportModeProblems(problems: ModeProblem[], logger: Logger): void {
  for (const problem of problems) {
    logger.warn(`Plugin ${problem.plugin} contributes no usable mode: ${problem.reason}`)
  }
}

/** Looks a mode up by name, with the list of known modes in the error. */
export function requireMode(modes: Map<string, RegisteredMode>, name: string): RegisteredMode {
  const found = modes.get(name)
  if (found) return found

  throw new KbenchError(
    'UNKNOWN_MODE',
    `There is no consumer mode named "${name}". Known modes: ${[...modes.keys()].join(', ') || 'none'}.`,
    {
      exitCode: ExitCode.Usage,
      suggestions: [
        'Pick one of the known modes, or install the plugin that provides it with kbench plugins install.',
      ],
    },
  )
}

import { Flags } from '@oclif/core'
import type { Interfaces } from '@oclif/core'

import { DURATION_SYNTAX, parseDuration } from '../config/duration.js'
import { ExitCode, KbenchError } from '../errors.js'

/**
 * A consumer mode's setting, declared as plain data so that a plugin needs no dependency to
 * declare flags. kbench turns each into an oclif flag for `bench:<mode>` and `bench:run`, and
 * reads the same names from `modes.<name>` in the configuration. Durations are milliseconds.
 */
export type ModeFlagSpec =
  | { kind: 'integer'; summary: string; default?: number; min?: number; max?: number }
  | { kind: 'number'; summary: string; default?: number; min?: number }
  | { kind: 'duration'; summary: string; default?: number }
  | { kind: 'option'; summary: string; default?: string; options: readonly string[] }
  | { kind: 'boolean'; summary: string; default?: boolean }
  | { kind: 'string'; summary: string; default?: string }

export type ModeFlagSpecs = Record<string, ModeFlagSpec>

function invalid(mode: string, name: string, value: unknown, expected: string): KbenchError {
  return new KbenchError(
    'INVALID_MODE_SETTING',
    `The ${mode} mode's setting ${name} is ${JSON.stringify(value)}; expected ${expected}.`,
    {
      exitCode: ExitCode.Usage,
      suggestions: [`Pass --${name} with ${expected}, or fix modes.${mode}.${name}.`],
    },
  )
}

/** Checks and converts one value of a mode setting, from a flag or the configuration. */
export function coerceModeSetting(
  mode: string,
  name: string,
  spec: ModeFlagSpec,
  value: unknown,
): unknown {
  switch (spec.kind) {
    case 'integer': {
      const number = Number(value)
      const low = spec.min ?? -Infinity
      const high = spec.max ?? Infinity
      if (!Number.isInteger(number) || number < low || number > high) {
        const range = spec.max === undefined ? `at least ${low}` : `from ${low} to ${high}`
        throw invalid(mode, name, value, `a whole number ${range}`)
      }
      return number
    }
    case 'number': {
      const number = Number(value)
      if (!Number.isFinite(number) || number < (spec.min ?? -Infinity)) {
        throw invalid(mode, name, value, `a number of at least ${spec.min ?? '-∞'}`)
      }
      return number
    }
    case 'duration': {
      const ms = typeof value === 'number' ? value : parseDuration(String(value))
      if (ms === undefined || ms < 0) throw invalid(mode, name, value, DURATION_SYNTAX)
      return ms
    }
    case 'option':
      if (!spec.options.includes(String(value))) {
        throw invalid(mode, name, value, `one of ${spec.options.join(', ')}`)
      }
      return String(value)
    case 'boolean':
      if (typeof value === 'boolean') return value
      if (value === 'true' || value === 'false') return value === 'true'
      throw invalid(mode, name, value, 'true or false')
    case 'string':
      return String(value)
  }
}

/** The oclif flags of a mode's settings. They have no oclif default: the config may set them. */
export function modeFlagsToOclif(
  specs: ModeFlagSpecs = {},
  helpGroup = 'MODE',
): Interfaces.FlagInput {
  const flags: Interfaces.FlagInput = {}

  for (const [name, spec] of Object.entries(specs)) {
    const summary =
      spec.default === undefined
        ? spec.summary
        : `${spec.summary} [default: ${String(spec.default)}]`
    flags[name] =
      spec.kind === 'boolean'
        ? Flags.boolean({ summary, helpGroup, allowNo: true })
        : spec.kind === 'option'
          ? Flags.string({ summary, helpGroup, options: [...spec.options] })
          : Flags.string({ summary, helpGroup })
  }

  return flags
}

/**
 * A mode's settings for one run: flags win, then `modes.<name>` in the configuration, then
 * the defaults the mode declares. Unknown keys in the configuration are reported.
 */
export function resolveModeSettings(
  mode: string,
  specs: ModeFlagSpecs = {},
  flags: Record<string, unknown> = {},
  configured: Record<string, unknown> = {},
): Record<string, unknown> {
  const unknown = Object.keys(configured).filter((key) => !(key in specs))
  if (unknown.length > 0) {
    throw new KbenchError(
      'CONFIG_INVALID',
      `modes.${mode} has unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the ${mode} mode knows ${Object.keys(specs).join(', ') || 'none'}.`,
      { exitCode: ExitCode.Config },
    )
  }

  const settings: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(specs)) {
    const value = flags[name] ?? configured[name] ?? spec.default
    if (value !== undefined) settings[name] = coerceModeSetting(mode, name, spec, value)
  }

  return settings
}

/** The values of a mode's own settings among a command's parsed flags. */
export function pickModeFlags(flags: object, specs: ModeFlagSpecs = {}): Record<string, unknown> {
  const values = flags as Record<string, unknown>

  return Object.fromEntries(Object.keys(specs).map((name) => [name, values[name]]))
}

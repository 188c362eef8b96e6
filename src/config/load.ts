import { cosmiconfig, type Loader } from 'cosmiconfig'
import { parse as parseLoose, type ParseError, printParseErrorCode } from 'jsonc-parser'
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'

import { ExitCode, KbenchError, describeError } from '../errors.js'
import { trace } from '../logging.js'
import { type BenchConfig, configSchema } from './schema.js'

const debug = trace('config')

/** The configuration in force and the file it came from, if any. */
export interface LoadedConfig {
  config: BenchConfig
  /** Absolute path of the file read; undefined when only defaults apply. */
  filepath?: string
}

export interface LoadConfigOptions {
  /** --config: read exactly this file instead of searching. */
  explicitPath?: string
  /** Where the search starts; defaults to the working directory. */
  cwd?: string
}

/**
 * Finds and validates kbench's configuration through cosmiconfig (module name `bench`):
 * `.benchrc`, `.benchrc.json`, `.benchrc.yaml`, `.benchrc.js`, `bench.config.ts`, a `bench`
 * key in package.json, and the rest of cosmiconfig's usual places.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd()
  const explorer = cosmiconfig('bench', {
    searchStrategy: 'project',
    cache: false,
    loaders: { '.json': loadJson },
  })

  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null
  const target = options.explicitPath ? path.resolve(cwd, options.explicitPath) : undefined

  if (target && !existsSync(target)) {
    throw new KbenchError('CONFIG_NOT_FOUND', `The configuration file ${target} does not exist.`, {
      exitCode: ExitCode.Config,
      suggestions: [
        'Check the path given to --config, or omit it to use .benchrc.json and friends.',
      ],
    })
  }

  try {
    found = target ? await explorer.load(target) : await explorer.search(cwd)
  } catch (error) {
    const file = target ?? (error as { filepath?: string }).filepath ?? 'the configuration file'
    throw new KbenchError('CONFIG_UNREADABLE', `Could not read ${file}: ${describeError(error)}`, {
      exitCode: ExitCode.Config,
      cause: error,
      suggestions: ['Fix the syntax at the position shown, or point --config at another file.'],
    })
  }

  const filepath = found?.filepath
  debug('configuration file: %s', filepath ?? '(none, defaults only)')

  return { config: validateConfig(found?.config ?? {}, filepath), filepath }
}

/**
 * Strict JSON whose syntax errors always carry a line and column: JSON.parse's messages give
 * a position only for some mistakes, so a failed parse is located again with jsonc-parser.
 */
const loadJson: Loader = (filepath, content) => {
  if (content.trim() === '') return null

  try {
    return JSON.parse(content) as unknown
  } catch (error) {
    const problems: ParseError[] = []
    parseLoose(content, problems, { allowTrailingComma: false, disallowComments: true })
    const first = problems[0]
    if (!first) throw error

    const before = content.slice(0, first.offset).split('\n')
    const line = before.length
    const column = (before.at(-1)?.length ?? 0) + 1
    throw new Error(`${printParseErrorCode(first.error)} at line ${line} column ${column}`, {
      cause: error,
    })
  }
}

/** Validates raw settings, naming the file, each bad field's path, what was expected and found. */
export function validateConfig(raw: unknown, filepath = 'the configuration'): BenchConfig {
  const result = configSchema.safeParse(raw ?? {})
  if (result.success) return result.data

  const lines = result.error.issues.map((issue) => `  - ${describeIssue(issue, raw)}`)
  throw new KbenchError(
    'CONFIG_INVALID',
    `Invalid configuration in ${filepath}:\n${lines.join('\n')}`,
    {
      exitCode: ExitCode.Config,
      suggestions: ['Fix the fields listed; the README lists every key with its type and default.'],
    },
  )
}

function fieldPath(segments: PropertyKey[]): string {
  if (segments.length === 0) return '(top level)'

  return segments
    .map((segment, index) =>
      typeof segment === 'number' ? `[${segment}]` : `${index === 0 ? '' : '.'}${String(segment)}`,
    )
    .join('')
}

function valueAt(raw: unknown, segments: PropertyKey[]): unknown {
  let value = raw
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[segment]
  }

  return value
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = fieldPath(issue.path)

  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ')
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`
  }

  if (issue.code === 'invalid_type') {
    const found = valueAt(raw, issue.path)
    const foundText = found === undefined ? 'nothing' : `${typeof found} ${JSON.stringify(found)}`
    return `${where}: expected ${issue.expected}, found ${foundText}`
  }

  if (issue.code === 'custom') return `${where}: ${issue.message}`

  return `${where}: ${issue.message}, found ${JSON.stringify(valueAt(raw, issue.path))}`
}

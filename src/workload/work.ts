import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

import { ExitCode, KbenchError, describeError } from '../errors.js'
import type { HandlerMessage, MessageHandler } from './handler.js'

/** The parsed form of `--work`. */
export type WorkSpec =
  | { kind: 'noop' }
  | { kind: 'sleep'; ms: number }
  | { kind: 'cpu'; ms: number }
  | { kind: 'module'; path: string }

export const WORK_SYNTAX = 'noop, sleep:<ms>, cpu:<ms> or module:<path>'

function badWork(spec: string, why: string): KbenchError {
  return new KbenchError('INVALID_WORK', `--work "${spec}" is invalid: ${why}.`, {
    exitCode: ExitCode.Usage,
    suggestions: [`Use ${WORK_SYNTAX}, for example --work sleep:2 or --work module:./handler.js.`],
  })
}

/** Parses `--work`. Milliseconds may be fractional (`cpu:0.5`). */
export function parseWorkSpec(spec: string): WorkSpec {
  const trimmed = spec.trim()
  if (trimmed === 'noop') return { kind: 'noop' }

  const separator = trimmed.indexOf(':')
  if (separator < 0) throw badWork(spec, `expected ${WORK_SYNTAX}`)

  const kind = trimmed.slice(0, separator)
  const argument = trimmed.slice(separator + 1)

  if (kind === 'module') {
    if (!argument)
      throw badWork(spec, 'module: needs the path of a JavaScript or TypeScript module')
    return { kind: 'module', path: argument }
  }

  if (kind === 'sleep' || kind === 'cpu') {
    const ms = Number(argument.replace(/ms$/, ''))
    if (!argument || !Number.isFinite(ms) || ms < 0) {
      throw badWork(spec, `${kind}: needs a number of milliseconds of at least 0`)
    }

    return { kind, ms }
  }

  throw badWork(spec, `unknown kind "${kind}"`)
}

let iterationsPerMs: number | undefined

function spin(iterations: number): number {
  let accumulator = 0
  for (let i = 0; i < iterations; i++) accumulator = (accumulator + i * 2654435761) % 4294967296

  return accumulator
}

/**
 * How many iterations of the busy loop take one millisecond on this machine, measured once
 * per process: the fastest of several short trials, so that a busy neighbour does not
 * inflate the figure.
 */
export function calibrateCpuWork(): number {
  if (iterationsPerMs !== undefined) return iterationsPerMs

  let best = Infinity
  const trialIterations = 200_000
  spin(trialIterations)
  for (let trial = 0; trial < 7; trial++) {
    const started = performance.now()
    spin(trialIterations)
    best = Math.min(best, performance.now() - started)
  }

  iterationsPerMs = Math.max(1, Math.round(trialIterations / Math.max(best, 0.001)))
  return iterationsPerMs
}

/**
 * Burns a fixed amount of CPU work: the iterations that took `ms` milliseconds during
 * calibration. A fixed amount, not a wall-clock deadline, so that a preempted worker does
 * less work per message only in appearance and never in fact.
 */
export function burnCpu(ms: number): void {
  spin(Math.round(ms * calibrateCpuWork()))
}

/** Uses a calibration measured elsewhere (in the parent of a worker process). */
export function useCpuCalibration(value: number): void {
  iterationsPerMs = value
}

/**
 * Loads a user's handler module: its default export or its export named `handler`, an
 * (async) function of one message. TypeScript modules load through Node's type stripping.
 */
export async function loadHandlerModule(
  modulePath: string,
  cwd = process.cwd(),
): Promise<MessageHandler> {
  const absolute = path.resolve(cwd, modulePath)

  let loaded: Record<string, unknown>
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND'
    throw new KbenchError(
      missing ? 'HANDLER_NOT_FOUND' : 'HANDLER_LOAD_FAILED',
      missing
        ? `The handler module ${absolute} does not exist.`
        : `The handler module ${absolute} failed to load: ${describeError(error)}`,
      {
        exitCode: ExitCode.Usage,
        cause: error,
        suggestions: [
          'Give --work module:<path> the path of a module whose default export (or export named handler) is an async function of one message.',
        ],
      },
    )
  }

  const handler = loaded.default ?? loaded.handler
  if (typeof handler !== 'function') {
    throw new KbenchError(
      'HANDLER_INVALID',
      `The handler module ${absolute} exports no function as default or as "handler".`,
      {
        exitCode: ExitCode.Usage,
        suggestions: ['Export the handler: export default async function (message) { ... }'],
      },
    )
  }

  return handler as MessageHandler
}

/** Builds the handler that `--work` describes. */
export async function createHandler(spec: WorkSpec, cwd = process.cwd()): Promise<MessageHandler> {
  switch (spec.kind) {
    case 'noop':
      return () => {}
    case 'sleep':
      return async () => {
        await sleep(spec.ms)
      }
    case 'cpu':
      calibrateCpuWork()
      return () => burnCpu(spec.ms)
    case 'module':
      return loadHandlerModule(spec.path, cwd)
  }
}

/**
 * Checks `--work` before anything changes on the cluster: parses it and, for a module, loads
 * the module, so that a missing or broken handler is refused before a reset creates topics.
 */
export async function checkWorkSpec(spec: string, cwd = process.cwd()): Promise<void> {
  const parsed = parseWorkSpec(spec)
  if (parsed.kind === 'module') await loadHandlerModule(parsed.path, cwd)
}

export type { HandlerMessage, MessageHandler }

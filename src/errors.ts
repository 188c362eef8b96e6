/**
 * Exit codes kbench uses. They are part of the command-line interface: scripts and CI jobs
 * branch on them, so a code never changes meaning once released.
 */
export const ExitCode = {
  /** An unexpected failure: a bug in kbench or in a plugin. */
  Unexpected: 1,
  /** Invalid flags or arguments. oclif's own parser also exits with 2. */
  Usage: 2,
  /** The configuration file is missing, unreadable or invalid. */
  Config: 3,
  /** The Kafka cluster could not be reached, or refused the credentials. */
  Connection: 4,
  /** Resetting topics or consumer groups failed or was refused. */
  Reset: 5,
  /** A prerequisite is missing on this machine (Java, Maven, a Kafka installation). */
  Environment: 6,
  /** A benchmark run was incomplete or its verification failed (lost or reordered messages). */
  RunFailed: 7,
  /** A quality gate failed. */
  GateFailed: 8,
  /** `kbench compare` found a significant regression larger than its threshold. */
  Regression: 9,
  /** The run was interrupted by a signal. */
  Interrupted: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface KbenchErrorOptions {
  /** How the user can fix it: each entry is one sentence. */
  suggestions?: string[]
  exitCode?: ExitCodeValue
  cause?: unknown
}

/**
 * The base of every expected failure. `code` is stable and machine-readable; the message says
 * what failed and on what; the suggestions say what to do next.
 */
export class KbenchError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly suggestions: string[]

  constructor(code: string, message: string, options: KbenchErrorOptions = {}) {
    super(message, { cause: options.cause })
    this.name = 'KbenchError'
    this.code = code
    this.exitCode = options.exitCode ?? ExitCode.Unexpected
    this.suggestions = options.suggestions ?? []
  }
}

export function isKbenchError(error: unknown): error is KbenchError {
  return error instanceof KbenchError
}

/** The message of any thrown value, for error texts that quote an underlying failure. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message

  return String(error)
}

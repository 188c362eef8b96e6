import { Flags } from '@oclif/core'
import { type ChildProcess, spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'

import { KbenchCommand } from '../cli/base-command.js'
import type { BenchConfig } from '../config/schema.js'
import { ExitCode, KbenchError, describeError } from '../errors.js'
import { journalFlag, journalTarget } from '../journal/flag.js'
import { appendJournalEntry } from '../journal/journal.js'

/** The package.json scripts that become gates when the configuration lists none, in order. */
export const DEFAULT_GATE_SCRIPTS = ['test', 'lint', 'typecheck', 'format:check'] as const

/** What a shell returns when it cannot find the command it was asked to run. */
const COMMAND_NOT_FOUND = 127

/** How long an interrupted gate has to exit on its own before its processes are killed. */
const INTERRUPT_GRACE_MS = 5000

/** How long to wait for a finished gate's output to drain, in case a grandchild holds it open. */
const OUTPUT_DRAIN_MS = 2000

/** A quality gate: a name and the shell command that must exit 0. */
export interface Gate {
  name: string
  command: string
}

/** `skipped`: left out by --only. `not-run`: an earlier gate failed or the run was interrupted. */
export type GateOutcome = 'passed' | 'failed' | 'skipped' | 'not-run'

/** One gate in the report; `exitCode` and `durationMs` are null for a gate that did not run. */
export interface GateReport {
  name: string
  command: string
  outcome: GateOutcome
  exitCode: number | null
  /** The signal that ended the gate's command, if one did. */
  signal: string | null
  durationMs: number | null
}

/** What `kbench validate --json` prints. */
export interface ValidateReport {
  passed: boolean
  gates: GateReport[]
  durationMs: number
  /** The journal file that received this run's line, if any. */
  journal?: string
}

interface GateExit {
  exitCode: number | null
  signal: NodeJS.Signals | null
}

export default class Validate extends KbenchCommand {
  static override summary = "Run the repository's quality gates in order; a failure blocks."

  static override description = `Runs each gate's shell command in the working directory, in the order configured, and streams its output. The gates are validate.steps in the configuration (a name and a command each); without them, the package.json scripts ${DEFAULT_GATE_SCRIPTS.join(', ')} that exist, run as "npm run <name>".

The first failing gate stops the run, names the gate and exits ${ExitCode.GateFailed}; with --keep-going every gate runs and the exit is still ${ExitCode.GateFailed} if any failed. A progress line for each gate goes to stderr. With --json, stdout holds only the report, and the gates' own output goes to stderr.

Each run adds a line to the journal (journal.path, default benchmarks/JOURNAL.md) with the outcome, the failing gates and the number passed; --no-journal skips it. Ctrl-C stops the running gate and its child processes and exits ${ExitCode.Interrupted}.`

  static override examples = [
    {
      description: 'Run every gate, stopping at the first failure',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Run only the fast gates',
      command: '<%= config.bin %> <%= command.id %> --only lint,format,typecheck',
    },
    {
      description: 'Run every gate even after a failure, to see all that is wrong at once',
      command: '<%= config.bin %> <%= command.id %> --keep-going',
    },
    {
      description: 'A machine-readable report for CI, without touching the journal',
      command: '<%= config.bin %> <%= command.id %> --json --no-journal',
    },
  ]

  static override enableJsonFlag = true

  static override flags = {
    'keep-going': Flags.boolean({
      summary: 'Run every gate even after one fails; the exit code still reports the failure.',
      default: false,
    }),
    only: Flags.string({
      summary: 'Run only these gates, by name, comma-separated; the others are skipped.',
      multiple: true,
      delimiter: ',',
    }),
    journal: journalFlag,
  }

  #running: { gate: Gate; child: ChildProcess } | undefined
  #interruptedBy: NodeJS.Signals | undefined
  #interruptedGate: string | undefined

  async run(): Promise<ValidateReport> {
    const { flags } = await this.parse(Validate)
    const { config } = await this.loadSettings(flags)
    const cwd = process.cwd()

    const gates = await resolveGates(config, cwd)
    const selected = selectGates(gates, flags.only)

    const started = Date.now()
    const reports = await this.#runGates(gates, selected, { cwd, keepGoing: flags['keep-going'] })
    const report: ValidateReport = {
      passed: reports.every((gate) => gate.outcome !== 'failed') && !this.#interruptedBy,
      gates: reports,
      durationMs: Date.now() - started,
    }

    const journal = journalTarget(flags.journal, config.journal, cwd)
    if (journal) report.journal = await this.#record(journal, report)

    const failure = this.#failureOf(report)
    if (failure) {
      if (this.jsonEnabled()) this.logJson(report)
      throw failure
    }

    const skipped = gates.length - selected.size
    const aside = skipped > 0 ? ` (${skipped} skipped)` : ''
    const took = formatDuration(report.durationMs)
    this.log(`All ${selected.size} gates passed in ${took}${aside}.`)

    return report
  }

  async #runGates(
    gates: Gate[],
    selected: Set<string>,
    options: { cwd: string; keepGoing: boolean },
  ): Promise<GateReport[]> {
    const reports: GateReport[] = gates.map((gate) => ({
      ...gate,
      outcome: selected.has(gate.name) ? 'not-run' : 'skipped',
      exitCode: null,
      signal: null,
      durationMs: null,
    }))

    const output = this.jsonEnabled() ? process.stderr : process.stdout
    const onSignal = (signal: NodeJS.Signals) => this.#interrupt(signal)
    const onExit = () => this.#running && signalGroup(this.#running.child, 'SIGKILL')
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    process.once('exit', onExit)

    try {
      for (const report of reports) {
        if (report.outcome === 'skipped') continue
        if (this.#interruptedBy) break

        this.logger.info(`▶ ${report.name}: ${report.command}`)
        const started = Date.now()
        const exit = await this.#runGate(report, options.cwd, output)
        report.durationMs = Date.now() - started
        report.exitCode = exit.exitCode
        report.signal = exit.signal
        report.outcome = exit.exitCode === 0 ? 'passed' : 'failed'
        this.logger.info(progressLine(report))

        if (report.outcome === 'failed' && !options.keepGoing) break
      }
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      process.off('exit', onExit)
    }

    return reports
  }

  async #runGate(gate: Gate, cwd: string, output: NodeJS.WriteStream): Promise<GateExit> {
    const child = spawn(gate.command, {
      cwd,
      shell: true,
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: colorEnvironment(output),
    })
    this.#running = { gate, child }

    try {
      return await waitForGate(child, gate, output)
    } finally {
      this.#running = undefined
    }
  }

  /** The first Ctrl-C asks the running gate to stop, then kills it; a second one kills it now. */
  #interrupt(signal: NodeJS.Signals): void {
    const child = this.#running?.child

    if (this.#interruptedBy) {
      if (child) signalGroup(child, 'SIGKILL')
      return
    }

    this.#interruptedBy = signal
    this.#interruptedGate = this.#running?.gate.name
    const what = this.#interruptedGate ? `the "${this.#interruptedGate}" gate` : 'validation'
    this.logger.info(`Interrupted: stopping ${what}; no further gate runs.`)
    if (!child) return

    signalGroup(child, signal)
    const deadline = setTimeout(() => signalGroup(child, 'SIGKILL'), INTERRUPT_GRACE_MS)
    deadline.unref()
    child.once('exit', () => clearTimeout(deadline))
  }

  async #record(journal: string, report: ValidateReport): Promise<string | undefined> {
    const count = (outcome: GateOutcome) =>
      report.gates.filter((gate) => gate.outcome === outcome).length
    const failed = report.gates.filter((gate) => gate.outcome === 'failed').map((gate) => gate.name)
    const interrupted = this.#interruptedGate

    let outcome = 'passed'
    if (this.#interruptedBy) outcome = `interrupted${interrupted ? `: ${interrupted}` : ''}`
    else if (failed.length > 0) outcome = `failed: ${failed.join(', ')}`

    const figures: Record<string, number | string> = {
      passed: `${count('passed')} of ${report.gates.length - count('skipped')}`,
    }
    if (count('not-run') > 0) figures['not run'] = count('not-run')
    if (count('skipped') > 0) figures.skipped = count('skipped')
    figures.duration = formatDuration(report.durationMs)

    try {
      await appendJournalEntry({
        path: journal,
        entry: { command: 'validate', outcome, figures },
        logger: this.logger,
      })
      return journal
    } catch (error) {
      this.logger.warn(describeError(error))
      return undefined
    }
  }

  #failureOf(report: ValidateReport): KbenchError | undefined {
    const failed = report.gates.filter((gate) => gate.outcome === 'failed')
    const notRun = report.gates.filter((gate) => gate.outcome === 'not-run')
    const later =
      notRun.length > 0 ? `\nNot run: ${notRun.map((gate) => gate.name).join(', ')}.` : ''

    if (this.#interruptedBy) {
      const during = this.#interruptedGate ? ` while the "${this.#interruptedGate}" gate ran` : ''
      return new KbenchError(
        'VALIDATE_INTERRUPTED',
        `Validation was interrupted${during}.${later}`,
        {
          exitCode: ExitCode.Interrupted,
        },
      )
    }

    const [first] = failed
    if (!first) return undefined

    const each = failed.map((gate) => `"${gate.name}" (${describeExit(gate)})`).join(', ')
    const what =
      failed.length === 1
        ? `The "${first.name}" gate failed (${describeExit(first)}): ${first.command}`
        : `${failed.length} gates failed: ${each}.`

    const suggestions = [
      'Fix what the output above reports, then run kbench validate again.',
      `Rerun only the failing gates with --only ${failed.map((gate) => gate.name).join(',')}.`,
    ]
    if (failed.some((gate) => gate.exitCode === COMMAND_NOT_FOUND)) {
      suggestions.unshift(
        'Install the missing tool, or correct the command in validate.steps of the configuration.',
      )
    }

    return new KbenchError('GATE_FAILED', `${what}${later}`, {
      exitCode: ExitCode.GateFailed,
      suggestions,
    })
  }
}

/**
 * The gates of the project in `cwd`: validate.steps from the configuration, or else the default
 * package.json scripts that exist.
 */
export async function resolveGates(config: BenchConfig, cwd: string): Promise<Gate[]> {
  const steps = config.validate.steps ?? (await packageScriptGates(cwd))

  if (steps.length === 0) {
    throw new KbenchError('NO_GATES', `No quality gates are configured for ${cwd}.`, {
      exitCode: ExitCode.Config,
      suggestions: [
        'List them in validate.steps of the configuration, as { "name", "command" } pairs.',
        `Or define package.json scripts named ${DEFAULT_GATE_SCRIPTS.join(', ')}.`,
      ],
    })
  }

  const names = steps.map((step) => step.name)
  const duplicate = names.find((name, index) => names.indexOf(name) !== index)
  if (duplicate) {
    throw new KbenchError(
      'DUPLICATE_GATE',
      `Two gates are named "${duplicate}" in validate.steps.`,
      {
        exitCode: ExitCode.Config,
        suggestions: [
          'Give every gate its own name, so that --only and the report can tell them apart.',
        ],
      },
    )
  }

  return steps.map(({ name, command }) => ({ name, command }))
}

async function packageScriptGates(cwd: string): Promise<Gate[]> {
  const file = path.join(cwd, 'package.json')
  let scripts: Record<string, unknown> = {}

  try {
    const manifest = JSON.parse(await fs.readFile(file, 'utf8')) as { scripts?: unknown }
    if (manifest.scripts && typeof manifest.scripts === 'object') {
      scripts = manifest.scripts as Record<string, unknown>
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []

    throw new KbenchError(
      'PACKAGE_JSON_UNREADABLE',
      `Could not read ${file}: ${describeError(error)}`,
      {
        exitCode: ExitCode.Config,
        cause: error,
        suggestions: [
          'Fix package.json, or list the gates in validate.steps of the configuration.',
        ],
      },
    )
  }

  return DEFAULT_GATE_SCRIPTS.filter((name) => typeof scripts[name] === 'string').map((name) => ({
    name,
    command: `npm run ${name}`,
  }))
}

/** The names picked with --only; every name must be a known gate. */
export function selectGates(gates: Gate[], only: string[] | undefined): Set<string> {
  const known = gates.map((gate) => gate.name)
  if (!only) return new Set(known)

  const picked = only.map((name) => name.trim()).filter(Boolean)
  const unknown = picked.filter((name) => !known.includes(name))
  if (unknown.length > 0 || picked.length === 0) {
    const which =
      unknown.length > 0
        ? `Unknown gate ${unknown.map((name) => `"${name}"`).join(', ')}`
        : 'No gate'
    throw new KbenchError('UNKNOWN_GATE', `${which} in --only. Known gates: ${known.join(', ')}.`, {
      exitCode: ExitCode.Usage,
      suggestions: ['Pick names from the list above, separated by commas.'],
    })
  }

  return new Set(picked)
}

/** Waits for a gate's command to exit and its output to drain, copying the output as it comes. */
function waitForGate(
  child: ChildProcess,
  gate: Gate,
  output: NodeJS.WriteStream,
): Promise<GateExit> {
  const forward = (chunk: Buffer) => void output.write(chunk)
  child.stdout?.on('data', forward)
  child.stderr?.on('data', forward)

  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(
        new KbenchError(
          'GATE_NOT_STARTED',
          `Could not start the "${gate.name}" gate: ${error.message}`,
          {
            exitCode: ExitCode.GateFailed,
            cause: error,
          },
        ),
      ),
    )

    child.once('exit', (exitCode, signal) => {
      const done = () => resolve({ exitCode, signal })
      if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false)
        return done()

      const deadline = setTimeout(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
        done()
      }, OUTPUT_DRAIN_MS)
      child.once('close', () => {
        clearTimeout(deadline)
        done()
      })
    })
  })
}

/** Sends a signal to a gate's whole process group, so that the tools it started stop too. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return

  try {
    process.kill(process.platform === 'win32' ? child.pid : -child.pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
  }
}

/** Piped output loses the terminal, so tools are told to keep their colours when it is one. */
function colorEnvironment(output: NodeJS.WriteStream): NodeJS.ProcessEnv {
  if (!output.isTTY || 'FORCE_COLOR' in process.env || 'NO_COLOR' in process.env) return process.env

  return { ...process.env, FORCE_COLOR: '1' }
}

function describeExit(gate: GateReport): string {
  if (gate.exitCode === COMMAND_NOT_FOUND) return `command not found, exit ${COMMAND_NOT_FOUND}`
  if (gate.signal) return `killed by ${gate.signal}`

  return `exit ${gate.exitCode}`
}

function progressLine(gate: GateReport): string {
  const took = formatDuration(gate.durationMs ?? 0)
  if (gate.outcome === 'passed') return `✔ ${gate.name} passed in ${took}`

  return `✖ ${gate.name} failed (${describeExit(gate)}) in ${took}`
}

/** `12.3 s` under a minute, `4 min 5 s` above. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`

  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
}

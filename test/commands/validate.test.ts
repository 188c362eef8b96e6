import { captureOutput } from '@oclif/test'
import { expect } from 'chai'
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import Validate, { type ValidateReport } from '../../src/commands/validate.js'
import { readJournal } from '../../src/journal/journal.js'
import { isRunning } from '../../src/kafka/local/process.js'
import {
  type GateRepository,
  type GateRepositoryOptions,
  createGateRepository,
  gateCommand,
} from '../fixtures/gate-repository.js'
import { eventually } from '../helpers/kafka.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** The tsx loader, named by URL so that it resolves from outside this repository. */
const tsxLoader = pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href

const validateCli = path.join(root, 'test', 'fixtures', 'validate-cli.ts')

/** Three passing gates, each printing one line. */
const passingSteps = [
  { name: 'lint', command: gateCommand('lint', 0, 'lint says hello') },
  { name: 'typecheck', command: gateCommand('typecheck') },
  { name: 'test', command: gateCommand('test') },
]

function withSteps(steps: Array<{ name: string; command: string }>): GateRepositoryOptions {
  return { config: { validate: { steps } } }
}

describe('kbench validate', function () {
  this.timeout(60_000)

  const previousCwd = process.cwd()
  let repository: GateRepository | undefined

  /** Creates a fixture repository and makes it the working directory. */
  async function inRepository(options: GateRepositoryOptions): Promise<GateRepository> {
    repository = await createGateRepository(options)
    process.chdir(repository.dir)
    return repository
  }

  /** Runs the command class from source in this process, whatever dist or the manifest hold. */
  function validate(...args: string[]) {
    return captureOutput<ValidateReport>(() => Validate.run(args, root))
  }

  function journalOf(repo: GateRepository) {
    return readJournal(path.join(repo.dir, 'benchmarks', 'JOURNAL.md'))
  }

  afterEach(async () => {
    process.chdir(previousCwd)
    await repository?.remove()
    repository = undefined
  })

  it('runs every gate in order and passes when all of them pass', async () => {
    const repo = await inRepository(withSteps(passingSteps))

    const { error, result, stdout, stderr } = await validate()

    expect(error).to.equal(undefined)
    expect(await repo.gatesRun()).to.deep.equal(['lint', 'typecheck', 'test'])
    expect(result?.passed).to.equal(true)
    expect(result?.gates.map((gate) => gate.outcome)).to.deep.equal(['passed', 'passed', 'passed'])
    expect(stderr).to.include(`▶ lint: ${passingSteps[0]?.command}`)
    expect(stderr).to.match(/✔ lint passed in \d+(\.\d)? s/)
    expect(stdout).to.include('lint says hello')
    expect(stdout).to.include('All 3 gates passed')
  })

  it('stops at the first failing gate, names it with its exit code and runs no later gate', async () => {
    const repo = await inRepository(
      withSteps([
        { name: 'lint', command: gateCommand('lint') },
        { name: 'typecheck', command: gateCommand('typecheck', 1) },
        { name: 'test', command: gateCommand('test') },
      ]),
    )

    const { error, stderr } = await validate()

    expect(error?.oclif?.exit).to.equal(8)
    expect(error?.message).to.include('The "typecheck" gate failed (exit 1)')
    expect(error?.message).to.include('Not run: test.')
    expect(stderr).to.match(/✖ typecheck failed \(exit 1\) in \d+(\.\d)? s/)
    expect(await repo.gatesRun()).to.deep.equal(['lint', 'typecheck'])
  })

  it('runs every gate with --keep-going and still exits non-zero, naming each failure', async () => {
    const repo = await inRepository(
      withSteps([
        { name: 'lint', command: gateCommand('lint', 2) },
        { name: 'typecheck', command: gateCommand('typecheck') },
        { name: 'test', command: gateCommand('test', 1) },
      ]),
    )

    const { error } = await validate('--keep-going')

    expect(await repo.gatesRun()).to.deep.equal(['lint', 'typecheck', 'test'])
    expect(error?.oclif?.exit).to.equal(8)
    expect(error?.message).to.include('2 gates failed: "lint" (exit 2), "test" (exit 1)')
  })

  it('runs only the gates named in --only, in the configured order, and skips the rest', async () => {
    const repo = await inRepository(withSteps(passingSteps))

    const { error, result } = await validate('--only', 'test,lint')

    expect(error).to.equal(undefined)
    expect(await repo.gatesRun()).to.deep.equal(['lint', 'test'])
    expect(result?.gates.map((gate) => `${gate.name}:${gate.outcome}`)).to.deep.equal([
      'lint:passed',
      'typecheck:skipped',
      'test:passed',
    ])
  })

  it('treats an unknown name in --only as a usage error that lists the known gates', async () => {
    const repo = await inRepository(withSteps(passingSteps))

    const { error } = await validate('--only', 'lint,tests')

    expect(error?.oclif?.exit).to.equal(2)
    expect(error?.message).to.include('Unknown gate "tests"')
    expect(error?.message).to.include('Known gates: lint, typecheck, test.')
    expect(await repo.gatesRun()).to.deep.equal([])
  })

  it('says "command not found" and names the gate whose command does not exist', async () => {
    await inRepository(withSteps([{ name: 'lint', command: 'kbench-no-such-linter --strict' }]))

    const { error, stderr } = await validate()

    expect(error?.oclif?.exit).to.equal(8)
    expect(error?.message).to.include('The "lint" gate failed (command not found, exit 127)')
    expect(error?.message).to.include('kbench-no-such-linter')
    expect(stderr).to.include('✖ lint failed (command not found, exit 127)')
  })

  it('prints only the report on stdout with --json and sends the gates output to stderr', async () => {
    await inRepository(withSteps(passingSteps))

    const { error, stdout, stderr } = await validate('--json', '--only', 'lint,test')

    expect(error).to.equal(undefined)
    expect(stderr).to.include('lint says hello')
    const report = JSON.parse(stdout) as ValidateReport
    expect(report.passed).to.equal(true)
    expect(report.durationMs).to.be.a('number')
    expect(report.journal).to.equal(path.join(process.cwd(), 'benchmarks', 'JOURNAL.md'))
    expect(report.gates).to.have.length(3)
    const [lint, typecheck] = report.gates
    expect(Object.keys(lint ?? {}).sort()).to.deep.equal(
      ['command', 'durationMs', 'exitCode', 'name', 'outcome', 'signal'].sort(),
    )
    expect(lint).to.deep.include({ name: 'lint', outcome: 'passed', exitCode: 0, signal: null })
    expect(lint?.command).to.equal(passingSteps[0]?.command)
    expect(lint?.durationMs).to.be.a('number')
    expect(typecheck).to.deep.include({ outcome: 'skipped', exitCode: null, durationMs: null })
  })

  it('still prints the report on stdout with --json when a gate fails', async () => {
    await inRepository(
      withSteps([
        { name: 'lint', command: gateCommand('lint', 1) },
        { name: 'test', command: gateCommand('test') },
      ]),
    )

    const { error, stdout } = await validate('--json')

    expect(error?.oclif?.exit).to.equal(8)
    const report = JSON.parse(stdout) as ValidateReport
    expect(report.passed).to.equal(false)
    expect(report.gates.map((gate) => [gate.name, gate.outcome, gate.exitCode])).to.deep.equal([
      ['lint', 'failed', 1],
      ['test', 'not-run', null],
    ])
  })

  it('runs the package.json scripts test, lint, typecheck and format:check that exist by default', async () => {
    const repo = await inRepository({
      scripts: {
        build: gateCommand('build'),
        'format:check': gateCommand('format:check'),
        test: gateCommand('test'),
        lint: gateCommand('lint'),
      },
    })

    const { error, result } = await validate('--json')

    expect(error).to.equal(undefined)
    expect(await repo.gatesRun()).to.deep.equal(['test', 'lint', 'format:check'])
    expect(result?.gates.map((gate) => gate.command)).to.deep.equal([
      'npm run test',
      'npm run lint',
      'npm run format:check',
    ])
  })

  it('fails with a configuration error when there is no gate to run', async () => {
    await inRepository({ scripts: { build: 'tsc' } })

    const { error } = await validate()

    expect(error?.oclif?.exit).to.equal(3)
    expect(error?.message).to.include('No quality gates are configured')
  })

  it('records a passing run in the journal with the number of gates passed', async () => {
    const repo = await inRepository(withSteps(passingSteps))

    await validate('--only', 'lint,test')

    const entries = await journalOf(repo)
    expect(entries).to.have.length(1)
    expect(entries[0]).to.deep.include({ command: 'validate', outcome: 'passed' })
    expect(entries[0]?.figures).to.deep.include({ passed: '2 of 2', skipped: '1' })
  })

  it('writes no journal with --no-journal, and writes to journal.path when configured', async () => {
    const repo = await inRepository({
      config: { validate: { steps: passingSteps }, journal: { path: 'docs/runs.md' } },
    })

    await validate('--no-journal')
    await fs.access(path.join(repo.dir, 'docs', 'runs.md')).then(
      () => expect.fail('--no-journal wrote a journal'),
      () => {},
    )
    await validate()

    const entries = await readJournal(path.join(repo.dir, 'docs', 'runs.md'))
    expect(entries.map((entry) => entry.outcome)).to.deep.equal(['passed'])
  })

  it('exits non-zero, names the test gate and journals the failure when npm test fails', async () => {
    const repo = await inRepository({
      scripts: {
        test: gateCommand('test', 1, 'assertion failed'),
        lint: gateCommand('lint'),
      },
    })

    const { error } = await validate()

    expect(error?.oclif?.exit).to.equal(8)
    expect(error?.message).to.include('The "test" gate failed (exit 1): npm run test')
    expect(await repo.gatesRun()).to.deep.equal(['test'])
    const [entry] = await journalOf(repo)
    expect(entry).to.deep.include({ command: 'validate', outcome: 'failed: test' })
    expect(entry?.figures).to.deep.include({ passed: '0 of 2', 'not run': '1' })
  })
})

describe('kbench validate interrupted with Ctrl-C', function () {
  this.timeout(60_000)

  let repository: GateRepository | undefined

  afterEach(async () => {
    await repository?.remove()
  })

  it('stops the running gate and its processes, exits 130 and journals the interruption', async () => {
    const recordPid = "require('fs').writeFileSync('gate.pid', String(process.pid))"
    const hang = `node -e "${recordPid}; setInterval(() => {}, 1000)"`
    repository = await createGateRepository(
      withSteps([
        { name: 'slow', command: hang },
        { name: 'after', command: gateCommand('after') },
      ]),
    )
    const repo = repository
    const cli = spawn(process.execPath, ['--import', tsxLoader, validateCli], {
      cwd: repo.dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve))

    const pidFile = path.join(repo.dir, 'gate.pid')
    const gatePid = await eventually('the slow gate to start', async () =>
      Number(await fs.readFile(pidFile, 'utf8').catch(() => '')),
    )
    cli.kill('SIGINT')

    expect(await exited).to.equal(130)
    expect(stderr).to.include('interrupted while the "slow" gate ran')
    await eventually('the gate process to end', async () => !isRunning(gatePid), 10_000)
    expect(await repo.gatesRun()).to.deep.equal([])
    const [entry] = await readJournal(path.join(repo.dir, 'benchmarks', 'JOURNAL.md'))
    expect(entry?.outcome).to.equal('interrupted: slow')
  })
})

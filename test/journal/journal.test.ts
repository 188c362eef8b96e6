import { expect } from 'chai'
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import {
  JOURNAL_HEADER,
  appendJournalEntry,
  formatJournalLine,
  readJournal,
} from '../../src/journal/journal.js'
import { journalTarget } from '../../src/journal/flag.js'

const writerScript = fileURLToPath(new URL('../fixtures/journal-writer.ts', import.meta.url))

function runWriter(file: string, writer: string, count: number): Promise<number | null> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', writerScript, file, writer, `${count}`],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  )

  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => resolve(code))
  })
}

describe('the journal', () => {
  let folder: string
  let file: string

  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-journal-'))
    file = path.join(folder, 'benchmarks', 'JOURNAL.md')
  })

  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true })
  })

  it('creates the file with its title and table header on the first append', async () => {
    const at = new Date('2025-03-01T10:20:30.000Z')

    await appendJournalEntry({
      path: file,
      entry: { command: 'validate', outcome: 'passed', figures: { passed: 4 }, at },
    })

    const text = await fs.readFile(file, 'utf8')
    expect(text.startsWith(JOURNAL_HEADER)).to.equal(true)
    expect(text.slice(JOURNAL_HEADER.length)).to.equal(
      '| 2025-03-01T10:20:30.000Z | validate | passed | passed=4 |  |\n',
    )
    expect(await readJournal(file)).to.deep.equal([
      { at, command: 'validate', outcome: 'passed', figures: { passed: '4' } },
    ])
  })

  it('appends below existing lines and keeps the header once', async () => {
    await appendJournalEntry({ path: file, entry: { command: 'kafka:reset', outcome: 'passed' } })
    await appendJournalEntry({
      path: file,
      entry: { command: 'bench:async', outcome: 'passed', resultPath: 'benchmarks/results/r1' },
    })

    const text = await fs.readFile(file, 'utf8')
    expect(text.split('# kbench journal')).to.have.length(2)
    const entries = await readJournal(file)
    expect(entries.map((entry) => entry.command)).to.deep.equal(['kafka:reset', 'bench:async'])
    expect(entries[1]?.resultPath).to.equal('benchmarks/results/r1')
  })

  it('escapes pipes, line breaks and separators so that every cell reads back unchanged', async () => {
    const entry = {
      command: 'bench:a|b',
      outcome: 'failed:\nlost 3 | duplicated 1\\',
      figures: { 'p99, ms': '12 = a lot', throughput: '5,210 msg/s', ok: true },
      resultPath: 'results/with|pipe',
    }

    const line = formatJournalLine(entry)
    await appendJournalEntry({ path: file, entry })

    expect(line).not.to.include('\n')
    const [read] = await readJournal(file)
    expect(read?.command).to.equal(entry.command)
    expect(read?.outcome).to.equal(entry.outcome)
    expect(read?.figures).to.deep.equal({
      'p99, ms': '12 = a lot',
      throughput: '5,210 msg/s',
      ok: 'true',
    })
    expect(read?.resultPath).to.equal(entry.resultPath)
  })

  it('never writes the value of a figure whose name suggests a credential', async () => {
    await appendJournalEntry({
      path: file,
      entry: { command: 'bench:async', outcome: 'passed', figures: { saslPassword: 'hunter2' } },
    })

    expect(await fs.readFile(file, 'utf8')).not.to.include('hunter2')
    expect((await readJournal(file))[0]?.figures).to.deep.equal({ saslPassword: '[redacted]' })
  })

  it('starts a new line after a last line that lost its line break', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(
      file,
      `${JOURNAL_HEADER}| 2025-01-01T00:00:00.000Z | validate | passed |  |  |`,
    )

    await appendJournalEntry({ path: file, entry: { command: 'kafka:reset', outcome: 'passed' } })

    const entries = await readJournal(file)
    expect(entries.map((entry) => entry.command)).to.deep.equal(['validate', 'kafka:reset'])
  })

  it('refuses an entry without a command or an outcome', async () => {
    const attempt = appendJournalEntry({ path: file, entry: { command: ' ', outcome: 'passed' } })

    await attempt.then(
      () => expect.fail('the entry was accepted'),
      (error: { code?: string }) => expect(error.code).to.equal('JOURNAL_ENTRY_INVALID'),
    )
  })

  it('reports a table row that is not a journal entry with its line number', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true })
    await fs.writeFile(file, `${JOURNAL_HEADER}| torn | line\n| 2025 |\n`)

    await readJournal(file).then(
      () => expect.fail('the malformed row was accepted'),
      (error: Error) => expect(error.message).to.include('Line 8'),
    )
  })

  it('keeps every line from twenty appends made at once by four processes', async function () {
    this.timeout(60_000)

    const writers = ['w1', 'w2', 'w3', 'w4']
    const codes = await Promise.all(writers.map((writer) => runWriter(file, writer, 5)))

    expect(codes).to.deep.equal([0, 0, 0, 0])
    const text = await fs.readFile(file, 'utf8')
    expect(text.split('# kbench journal')).to.have.length(2)
    const entries = await readJournal(file)
    expect(entries).to.have.length(20)
    const written = entries.map((entry) => `${entry.figures.writer}/${entry.figures.line}`).sort()
    const expected = writers.flatMap((writer) => [0, 1, 2, 3, 4].map((line) => `${writer}/${line}`))
    expect(written).to.deep.equal(expected.sort())
    for (const entry of entries) expect(entry.figures.note).to.equal('a | b, c = d')
  })
})

describe('the journal target', () => {
  const settings = { path: 'benchmarks/JOURNAL.md', enabled: true }

  it('is the configured path, taken from the working directory', () => {
    expect(journalTarget(undefined, settings, '/repo')).to.equal('/repo/benchmarks/JOURNAL.md')
  })

  it('is off when --no-journal is given, whatever the configuration says', () => {
    expect(journalTarget(false, settings, '/repo')).to.equal(undefined)
  })

  it('is on when --journal is given, even if the configuration turns it off', () => {
    const off = { ...settings, enabled: false }

    expect(journalTarget(undefined, off, '/repo')).to.equal(undefined)
    expect(journalTarget(true, off, '/repo')).to.equal('/repo/benchmarks/JOURNAL.md')
  })
})

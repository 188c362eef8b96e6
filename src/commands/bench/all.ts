import { Flags } from '@oclif/core'
import path from 'node:path'

import { BenchCommand } from '../../cli/bench-command.js'
import { benchTargetReset } from '../../cli/bench-reset.js'
import { type BenchRunOutput, runBenchModes, verificationFailure } from '../../cli/bench-run.js'
import { installedModes, journalRun, prepareMode } from '../../cli/mode-runner.js'
import { describeError } from '../../errors.js'
import { journalFlag } from '../../journal/flag.js'
import { renderAggregateTable } from '../../results/report/aggregate-table.js'
import { type WrittenReport, writeReport } from '../../results/report/write-report.js'
import { type RunSummary, renderComparison, summarizeRun } from '../../results/summary.js'
import { writeJsonAtomically } from '../../results/writer.js'

export default class BenchAll extends BenchCommand {
  static override summary =
    'Run every installed consumer mode on the same workload and compare them.'

  static override description = `Discovers the consumer modes (the bundled baseline, async and process, and any a plugin adds), then for each: resets the topic and group, produces the same workload, consumes and verifies it. Writes one <mode>.json per mode, summary.json, report.md and report.html in a new folder under the output directory, and prints a comparison: throughput and its ratio to the baseline, latency percentiles, correctness counts, CPU and memory. Each mode's own settings come from modes.<name> in the configuration. With --repeat N, each mode runs N times, each run after its own reset: every run is kept as <mode>-run<k>.json, summary.json has one line per run, <mode>.aggregate.json holds the medians and spreads, and the reports show medians with their spread. Exits 7 when any mode lost messages, broke its ordering or did not finish.`

  static override examples = [
    {
      description: 'Compare every mode on the default workload',
      command: '<%= config.bin %> <%= command.id %>',
    },
    {
      description: 'Compare two modes on an I/O-bound workload',
      command:
        '<%= config.bin %> <%= command.id %> --modes baseline,async --messages 5000 --work sleep:1',
    },
    {
      description: 'Run every mode three times and report medians and spreads',
      command: '<%= config.bin %> <%= command.id %> --repeat 3 --messages 3000',
    },
  ]

  static override resetsItself = true

  static override flags = {
    modes: Flags.string({
      summary: 'Comma-separated modes to run, in order [default: every installed mode].',
    }),
    journal: journalFlag,
  }

  async run(): Promise<RunSummary> {
    const { flags } = await this.parse(BenchAll)
    const loaded = await this.loadSettings(flags)
    const installed = await installedModes(this.config, this.logger)
    const names = flags.modes
      ? flags.modes
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean)
      : [...installed.keys()]
    const modes = names.map((name) => prepareMode(installed, name, {}, loaded))
    this.logger.info(`Modes: ${names.join(', ')}`)

    const startedAt = new Date()
    const cluster = await this.connectCluster(flags, loaded, { allowTemporary: true })

    let output
    try {
      output = await runBenchModes({
        modes,
        flags,
        loaded,
        cluster,
        logger: this.logger,
        resetBefore: flags['skip-reset']
          ? undefined
          : benchTargetReset(cluster, loaded, this.logger),
      })
    } finally {
      await cluster.release()
    }

    const summary = summarizeRun(output.directory, startedAt, output.results)
    const summaryFile = path.join(output.directory, 'summary.json')
    await writeJsonAtomically(summaryFile, summary)
    await journalRun(this.id ?? 'bench:all', output, flags, loaded, this.logger)

    const report = await this.writeReportOf(output)

    if (!this.jsonEnabled()) {
      this.log(renderComparison(summary))
      if (output.aggregates.length > 0) {
        this.log(`\n${renderAggregateTable(output.aggregates.map(({ aggregate }) => aggregate))}`)
      }
      this.log(`summary: ${summaryFile}`)
      if (report) this.log(`report: ${report.markdown}\nreport: ${report.html}`)
    }

    const failure = verificationFailure(output)
    if (failure) {
      if (this.jsonEnabled()) this.logJson(summary)
      throw failure
    }

    return summary
  }

  /** The reports of the run; a run that failed to report keeps its results and says why. */
  private async writeReportOf(output: BenchRunOutput): Promise<WrittenReport | undefined> {
    if (output.results.length === 0) return undefined

    try {
      return await writeReport(output.directory, this.logger)
    } catch (error) {
      this.logger.warn(`Could not write the report in ${output.directory}: ${describeError(error)}`)
      return undefined
    }
  }
}

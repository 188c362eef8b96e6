import { Args } from '@oclif/core'

import { KbenchCommand } from '../cli/base-command.js'
import { type WrittenReport, writeReport } from '../results/report/write-report.js'

export default class Report extends KbenchCommand {
  static override summary = 'Write report.md and a self-contained report.html for a run folder.'

  static override description = `Reads every result in a run folder written by a bench command (<mode>.json, or <mode>-run<k>.json of repeated runs) and writes two reports next to them. report.md has tables: throughput and its ratio to the baseline, latency percentiles, correctness counts and resources; with repeated runs each figure is the median with its spread. report.html holds the same tables and charts of throughput and consumer lag over time, latency percentile curves on a log scale and throughput relative to the baseline; the chart library is inlined, so the file opens without a network. bench:all writes both at the end of every run. Exits 2 when the folder holds no results.`

  static override examples = [
    {
      description: 'Report on a bench:all run',
      command: '<%= config.bin %> <%= command.id %> benchmarks/results/2026-01-05T10-00-00-000Z',
    },
  ]

  static override enableJsonFlag = true

  static override args = {
    folder: Args.directory({
      description: 'A run folder written by a bench command.',
      required: true,
    }),
  }

  async run(): Promise<WrittenReport> {
    const { args } = await this.parse(Report)
    const written = await writeReport(args.folder, this.logger)

    if (!this.jsonEnabled()) {
      this.log(`report: ${written.markdown}`)
      this.log(`report: ${written.html}`)
    }

    return written
  }
}

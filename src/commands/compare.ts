import { Args, Flags } from '@oclif/core'

import { KbenchCommand } from '../cli/base-command.js'
import { ExitCode, KbenchError } from '../errors.js'
import {
  type Comparison,
  compareRuns,
  DEFAULT_NOISE_FLOOR_PERCENT,
  DEFAULT_REGRESSION_THRESHOLD_PERCENT,
  describeRegression,
  loadComparable,
  renderComparisonTable,
} from '../results/compare.js'

const percent = Flags.custom<number>({
  async parse(input) {
    const value = Number(input)
    if (!Number.isFinite(value) || value < 0) {
      throw new Error(`Expected a percentage of 0 or more, got ${input}`)
    }

    return value
  },
})

export default class Compare extends KbenchCommand {
  static override summary = 'Compare two benchmark runs and fail on a significant regression.'

  static override description = `Compares each mode found in both runs on throughput (msg/s, higher is better) and on end-to-end p50 and p99 and processing p99 latency (lower is better). A change is significant when it exceeds the noise: the larger spread ((max - min) / median) of the sides that repeated their runs with --repeat, or --noise-floor when neither did. Each side is a run folder, its summary.json, one <mode>.json or <mode>-run<k>.json result, or one <mode>.aggregate.json. A mode found on one side only is reported, not judged. Exits 9 when a significant change for the worse exceeds --fail-on-regression, naming the mode and the metric.`

  static override examples = [
    {
      description: 'Gate a change on the results of the run before it',
      command:
        '<%= config.bin %> <%= command.id %> benchmarks/results/2026-01-05T10-00-00-000Z benchmarks/results/2026-01-06T09-30-00-000Z',
    },
    {
      description: 'Fail only on regressions above 20%, and print the comparison as JSON',
      command: '<%= config.bin %> <%= command.id %> old/ new/ --fail-on-regression 20 --json',
    },
  ]

  static override enableJsonFlag = true

  static override args = {
    old: Args.string({
      description: 'The reference run: a folder or a result file.',
      required: true,
    }),
    new: Args.string({
      description: 'The run to judge: a folder or a result file.',
      required: true,
    }),
  }

  static override flags = {
    'fail-on-regression': percent({
      summary: `Exit 9 when a significant regression exceeds this many percent [default: ${DEFAULT_REGRESSION_THRESHOLD_PERCENT}].`,
      default: DEFAULT_REGRESSION_THRESHOLD_PERCENT,
    }),
    'noise-floor': percent({
      summary: `The change, in percent, that single runs must exceed to be significant [default: ${DEFAULT_NOISE_FLOOR_PERCENT}].`,
      description:
        'Used only when neither side repeated its runs; repeated runs bring their own measured spread.',
      default: DEFAULT_NOISE_FLOOR_PERCENT,
    }),
  }

  async run(): Promise<Comparison> {
    const { args, flags } = await this.parse(Compare)
    const old = await loadComparable(args.old, this.logger)
    const current = await loadComparable(args.new, this.logger)

    const comparison = compareRuns(old, current, {
      noiseFloorPercent: flags['noise-floor'],
      thresholdPercent: flags['fail-on-regression'],
    })

    if (!this.jsonEnabled()) this.log(renderComparisonTable(comparison))
    if (comparison.regressions.length === 0) return comparison

    if (this.jsonEnabled()) this.logJson(comparison)
    throw new KbenchError(
      'REGRESSION',
      `Significant regression beyond ${comparison.thresholdPercent}%: ${comparison.regressions.map(describeRegression).join('; ')}.`,
      {
        exitCode: ExitCode.Regression,
        suggestions: [
          'Repeat the runs with --repeat to measure their noise, or raise --fail-on-regression.',
        ],
      },
    )
  }
}

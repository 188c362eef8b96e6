import { journalFlag } from '../journal/flag.js'
import type { BenchResult } from '../results/result.js'
import { renderAggregateTable } from '../results/report/aggregate-table.js'
import { renderResult } from '../results/table.js'
import { BenchCommand } from './bench-command.js'
import { benchTargetReset } from './bench-reset.js'
import { runBenchModes, verificationFailure } from './bench-run.js'
import { installedModes, journalRun, prepareMode } from './mode-runner.js'

/**
 * The shape of `bench:<mode>` and `bench:run <mode>`: run one discovered mode, print its
 * figures (or the result with --json), write the result and a journal line, and exit non-zero
 * when the run was incomplete or failed verification.
 */
export abstract class SingleModeCommand extends BenchCommand {
  static override baseFlags = {
    ...BenchCommand.baseFlags,
    journal: journalFlag,
  }

  protected async runMode(
    name: string,
    flags: Parameters<typeof runBenchModes>[0]['flags'] & {
      brokers?: string
      config?: string
      journal?: boolean
      'skip-reset'?: boolean
    },
    modeFlags: Record<string, unknown>,
    options: { resetFirst?: boolean } = {},
  ): Promise<BenchResult> {
    const loaded = await this.loadSettings(flags)
    const modes = await installedModes(this.config, this.logger)
    const prepared = prepareMode(modes, name, modeFlags, loaded)
    const cluster = await this.connectCluster(flags, loaded, { allowTemporary: true })

    let output
    try {
      // The prerun hook resets before the first run unless the command resets itself;
      // every repeated run after it starts from its own reset.
      const reset = flags['skip-reset'] ? undefined : benchTargetReset(cluster, loaded, this.logger)
      output = await runBenchModes({
        modes: [prepared],
        flags,
        loaded,
        cluster,
        logger: this.logger,
        resetBefore: options.resetFirst ? reset : undefined,
        resetBeforeRepeat: reset,
      })
    } finally {
      await cluster.release()
    }

    await journalRun(this.id ?? `bench:${name}`, output, flags, loaded, this.logger)
    const [first] = output.results
    if (!this.jsonEnabled()) {
      const rendered = output.results.map(({ result, file }) => renderResult(result, file))
      if (rendered.length > 0) this.log(rendered.join('\n\n'))
      for (const { aggregate, file } of output.aggregates) {
        this.log(`\n${renderAggregateTable([aggregate])}`)
        this.log(`aggregate: ${file}`)
      }
    }

    const failure = verificationFailure(output)
    if (failure) {
      if (this.jsonEnabled() && first) this.logJson(first.result)
      throw failure
    }

    return first?.result as BenchResult
  }
}

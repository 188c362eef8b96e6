import { journalFlag } from '../journal/flag.js'
import type { BenchResult } from '../results/result.js'
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
      const resetFirst = options.resetFirst && !flags['skip-reset']
      output = await runBenchModes({
        modes: [prepared],
        flags,
        loaded,
        cluster,
        logger: this.logger,
        resetBefore: resetFirst ? benchTargetReset(cluster, loaded, this.logger) : undefined,
      })
    } finally {
      await cluster.release()
    }

    await journalRun(this.id ?? `bench:${name}`, output, flags, loaded, this.logger)
    const [first] = output.results
    if (first && !this.jsonEnabled()) this.log(renderResult(first.result, first.file))

    const failure = verificationFailure(output)
    if (failure) {
      if (this.jsonEnabled() && first) this.logJson(first.result)
      throw failure
    }

    return first?.result as BenchResult
  }
}

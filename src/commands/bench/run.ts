import { Args } from '@oclif/core'

import { ExitCode, KbenchError } from '../../errors.js'
import { SingleModeCommand } from '../../cli/single-mode-command.js'
import { installedModes } from '../../cli/mode-runner.js'
import { modeFlagsToOclif, pickModeFlags } from '../../modes/flags.js'
import { requireMode } from '../../modes/registry.js'
import type { BenchResult } from '../../results/result.js'

export default class BenchRun extends SingleModeCommand {
  static override summary = 'Benchmark any installed consumer mode by name.'

  static override description = `Runs one mode, bundled or from a plugin, exactly as bench:<mode> would. The mode's own settings are flags given after its name, or keys of modes.<name> in the configuration; an unknown flag is reported with the mode's usage. bench:all lists the installed modes.`

  static override examples = [
    {
      description: 'Run the async mode',
      command: '<%= config.bin %> <%= command.id %> async --concurrency 32',
    },
    {
      description: 'Run a mode from a linked plugin',
      command: '<%= config.bin %> <%= command.id %> concurrent-partitions',
    },
  ]

  static override args = {
    mode: Args.string({
      description: 'Name of the consumer mode (see bench:all for the installed ones).',
      required: true,
    }),
  }

  // A mode's own flags are known only once plugins are discovered.
  static override strict = false

  // The prerun hook cannot parse flags it does not know yet, so this command resets itself.
  static override resetsItself = true

  async run(): Promise<BenchResult> {
    // The mode's name comes first; its own flags are known only once the mode is found.
    const [name] = this.argv
    if (!name || name.startsWith('-')) {
      throw new KbenchError('MODE_REQUIRED', 'bench:run needs the name of a mode first.', {
        exitCode: ExitCode.Usage,
        suggestions: ['Run kbench bench:run <mode> [flags]; bench:all lists the installed modes.'],
      })
    }

    const modes = await installedModes(this.config, this.logger)
    const { mode } = requireMode(modes, name)

    const { flags } = await this.parse({
      ...BenchRun,
      strict: true,
      flags: { ...BenchRun.flags, ...modeFlagsToOclif(mode.flags) },
      baseFlags: BenchRun.baseFlags,
      args: BenchRun.args,
      enableJsonFlag: true,
    } as unknown as typeof BenchRun)

    return this.runMode(mode.name, flags, pickModeFlags(flags, mode.flags), { resetFirst: true })
  }
}

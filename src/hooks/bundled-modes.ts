import type { Hook } from '@oclif/core'

import type { ConsumerMode } from '../modes/types.js'
import { asyncMode } from '../plugins/async/async-mode.js'
import { baselineMode } from '../plugins/baseline/mode.js'
import { processMode } from '../plugins/process/process-mode.js'

/**
 * kbench's own answer to the `kbench:modes` event: the bundled modes, contributed exactly as
 * an installed plugin contributes its own.
 */
const bundledModes: Hook<'kbench:modes'> = async function () {
  return [baselineMode, asyncMode, processMode] as ConsumerMode[]
}

export default bundledModes

import { ENGINE_DEFAULTS } from '../../engine/options.js'
import type { Ordering } from '../../engine/scheduler.js'
import { defineMode } from '../../modes/types.js'
import { ASYNC_MODE_DESCRIPTION, ASYNC_MODE_FLAGS, ASYNC_MODE_NAME, runAsyncMode } from './mode.js'

/** The async mode: the parallel consumer engine with the handler on this event loop. */
export const asyncMode = defineMode({
  name: ASYNC_MODE_NAME,
  description: ASYNC_MODE_DESCRIPTION,
  ordering: (flags) => (flags.ordering as Ordering | undefined) ?? ENGINE_DEFAULTS.ordering,
  flags: ASYNC_MODE_FLAGS,
  async run(context) {
    await runAsyncMode(context)
  },
})

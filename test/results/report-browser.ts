import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'

/** Debian's Chromium; .ci/run installs it when it is missing. */
const CHROMIUM = '/usr/bin/chromium'

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** What a headless browser saw when it opened a report. */
export interface RenderedReport {
  /** The page's `data-charts-rendered` attribute: how many charts it drew. */
  chartsRendered: string | null
  canvases: Array<{ id: string; width: number; height: number }>
  pageErrors: string[]
  /** Requests for anything but the file itself: a self-contained report makes none. */
  outsideRequests: string[]
  screenshot: string
}

/**
 * Opens a report.html in headless Chromium, waits (with a deadline) until the page says its
 * charts are drawn, measures every canvas and keeps a full-page screenshot next to the report.
 */
export async function openReport(htmlFile: string, screenshotName = 'report.png') {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })

  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const pageErrors: string[] = []
    const outsideRequests: string[] = []
    page.on('pageerror', (error) => pageErrors.push(error.message))
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text())
    })
    await page.route('**/*', async (route) => {
      const url = route.request().url()
      if (url.startsWith('file:')) return route.continue()

      outsideRequests.push(url)
      return route.abort()
    })

    await page.goto(pathToFileURL(htmlFile).href)
    await page
      .waitForFunction('document.documentElement.dataset.chartsRendered', null, { timeout: 15_000 })
      .catch(() => undefined)

    const chartsRendered = (await page.evaluate(
      'document.documentElement.dataset.chartsRendered ?? null',
    )) as string | null
    const canvases = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const box = c.getBoundingClientRect()
      return { id: c.id, width: Math.round(box.width), height: Math.round(box.height) }
    })`)) as RenderedReport['canvases']

    const screenshot = path.join(path.dirname(htmlFile), screenshotName)
    await page.screenshot({ path: screenshot, fullPage: true })

    return { chartsRendered, canvases, pageErrors, outsideRequests, screenshot } as RenderedReport
  } finally {
    await browser.close()
  }
}

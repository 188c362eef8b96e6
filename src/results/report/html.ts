import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { baselineOf, describeRunCounts, ratioToBaseline, representativeRun } from './figures.js'
import { describeWorkload } from './markdown.js'
import type { RunFolder } from './run-folder.js'

/** The percentiles on the x axis of the latency chart, and the keys they read. */
const CURVE_POINTS = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p95', 'p95'],
  ['p99', 'p99'],
  ['p99.9', 'p999'],
  ['max', 'max'],
] as const

/** Colour-blind-friendly colours (Okabe and Ito), one per mode in order. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000']

/** The smallest latency a log axis shows; a zero would have no place on it. */
const LOG_FLOOR_MS = 0.001

/** What the page's script charts; embedded as JSON. */
export interface ChartData {
  reference: string
  percentiles: string[]
  modes: Array<{
    mode: string
    color: string
    runs: number
    relative: number | null
    throughput: Array<{ x: number; y: number }>
    lag: Array<{ x: number; y: number }>
    e2e: number[]
    processing: number[]
  }>
}

/** The Chart.js browser bundle shipped in the chart.js package, read to be inlined. */
export async function readChartBundle(): Promise<string> {
  const entry = fileURLToPath(import.meta.resolve('chart.js'))

  return readFile(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8')
}

/** The chart series of a run folder: each mode's representative run and median latencies. */
export function chartData(folder: RunFolder): ChartData {
  const baseline = baselineOf(folder)
  const reference = baseline ?? folder.modes[0]

  return {
    reference: reference?.mode ?? '',
    percentiles: CURVE_POINTS.map(([label]) => label),
    modes: folder.modes.map((entry, index) => {
      const run = representativeRun(entry)
      const latency = entry.aggregate.latency

      return {
        mode: entry.mode,
        color: PALETTE[index % PALETTE.length] as string,
        runs: entry.runs.length,
        relative: ratioToBaseline(entry, reference),
        throughput: run.timeseries.map(({ second, processed }) => ({ x: second, y: processed })),
        lag: [
          // A backlog is all lag when the consumer joins.
          ...(run.workload.shape === 'backlog' ? [{ x: 0, y: run.workload.messages }] : []),
          ...run.timeseries.map(({ second, lag }) => ({ x: second, y: lag })),
        ],
        e2e: CURVE_POINTS.map(([, key]) => Math.max(LOG_FLOOR_MS, latency.e2e[key].median)),
        processing: CURVE_POINTS.map(([, key]) =>
          Math.max(LOG_FLOOR_MS, latency.processing[key].median),
        ),
      }
    }),
  }
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** JSON or script text that cannot close the script element it sits in. */
const scriptSafe = (text: string) => text.replace(/<\/(script)/gi, '<\\/$1')

/** Markdown tables to HTML tables; other lines become headings or paragraphs. */
function markdownToHtml(markdown: string): string {
  const blocks = markdown.trim().split(/\n{2,}/)

  return blocks
    .map((block) => {
      const lines = block.split('\n')
      if (lines[0]?.startsWith('|')) return tableToHtml(lines)

      const heading = /^(#{1,3}) (.*)$/.exec(block)
      if (heading) {
        const level = heading[1]!.length

        return `<h${level}>${inline(heading[2]!)}</h${level}>`
      }

      return `<p>${inline(block)}</p>`
    })
    .join('\n')
}

function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
}

function tableToHtml(lines: string[]): string {
  const cells = (line: string) =>
    line
      .slice(2, -2)
      .split(/(?<!\\) \| /)
      .map((cell) => inline(cell.replace(/\\\|/g, '|')))
  const [header = '', separator = '', ...rows] = lines
  const left = cells(separator).map((cell) => !cell.endsWith(':'))
  const cell = (tag: string) => (text: string, index: number) =>
    `<${tag}${left[index] ? ' class="text"' : ''}>${text}</${tag}>`

  return [
    '<table>',
    `<thead><tr>${cells(header).map(cell('th')).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((row) => `<tr>${cells(row).map(cell('td')).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n')
}

const STYLE = `
  :root { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f24; }
  body { margin: 0 auto; max-width: 1200px; padding: 24px; background: #fff; }
  h1 { margin: 0 0 8px; font-size: 24px; }
  h2 { margin: 32px 0 8px; font-size: 19px; border-bottom: 1px solid #d8dee4; padding-bottom: 4px; }
  h3 { margin: 20px 0 6px; font-size: 15px; }
  p { margin: 6px 0; line-height: 1.45; }
  code { font-size: 13px; background: #f3f4f6; padding: 1px 4px; border-radius: 3px; }
  .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px; }
  figure { margin: 0; border: 1px solid #d8dee4; border-radius: 6px; padding: 12px; }
  figcaption { font-weight: 600; font-size: 14px; margin-bottom: 2px; }
  figure p { font-size: 12px; color: #57606a; margin: 0 0 8px; }
  .chart { position: relative; height: 300px; }
  table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
  th, td { border: 1px solid #d8dee4; padding: 4px 10px; text-align: right; }
  th.text, td.text { text-align: left; }
  th { background: #f6f8fa; }
  tbody tr:nth-child(even) { background: #fafbfc; }
  @media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
`

/** Runs in the page: draws the four charts, then marks the page as rendered. */
const CHART_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('kbench-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 12;

  const line = (mode, points) => ({
    label: mode.mode, data: points, borderColor: mode.color, backgroundColor: mode.color,
    borderWidth: 2, pointRadius: points.length > 40 ? 0 : 2, tension: 0.15,
  });
  const seconds = {
    type: 'linear', min: 0, ticks: { precision: 0 },
    title: { display: true, text: 'seconds since the consumer joined' },
  };
  const charts = [];

  charts.push(new Chart(document.getElementById('chart-throughput'), {
    type: 'line',
    data: { datasets: data.modes.map((mode) => line(mode, mode.throughput)) },
    options: { scales: { x: seconds, y: { beginAtZero: true, title: { display: true, text: 'messages processed per second' } } } },
  }));

  charts.push(new Chart(document.getElementById('chart-latency'), {
    type: 'line',
    data: {
      labels: data.percentiles,
      datasets: data.modes.flatMap((mode) => [
        { ...line(mode, mode.e2e), label: mode.mode + ' e2e', pointRadius: 3 },
        { ...line(mode, mode.processing), label: mode.mode + ' processing', borderDash: [5, 4], borderWidth: 1.5, pointRadius: 2 },
      ]),
    },
    options: { scales: {
      x: { title: { display: true, text: 'percentile' } },
      y: { type: 'logarithmic', title: { display: true, text: 'milliseconds (log scale)' } },
    } },
  }));

  charts.push(new Chart(document.getElementById('chart-lag'), {
    type: 'line',
    data: { datasets: data.modes.map((mode) => line(mode, mode.lag)) },
    options: { scales: { x: seconds, y: { beginAtZero: true, title: { display: true, text: 'messages produced but not processed' } } } },
  }));

  charts.push(new Chart(document.getElementById('chart-relative'), {
    type: 'bar',
    data: {
      labels: data.modes.map((mode) => mode.mode),
      datasets: [{
        label: 'median throughput / ' + data.reference,
        data: data.modes.map((mode) => mode.relative),
        backgroundColor: data.modes.map((mode) => mode.color),
      }],
    },
    options: {
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (item) => item.raw.toFixed(2) + '×' } } },
      scales: { y: { beginAtZero: true, title: { display: true, text: 'times the ' + data.reference + ' throughput' } } },
    },
  }));

  document.documentElement.dataset.chartsRendered = String(charts.length);
})();
`

function figure(id: string, title: string, note: string): string {
  return [
    '<figure>',
    `<figcaption>${escapeHtml(title)}</figcaption>`,
    `<p>${escapeHtml(note)}</p>`,
    `<div class="chart"><canvas id="${id}" role="img" aria-label="${escapeHtml(title)}"></canvas></div>`,
    '</figure>',
  ].join('\n')
}

/**
 * A self-contained HTML report: the Markdown report's tables and four charts (throughput and
 * consumer lag over time, latency percentile curves on a log scale, throughput relative to the
 * baseline), with the chart library inlined so that the page needs no network. The page sets
 * `data-charts-rendered` on its root element once every chart is drawn.
 */
export function renderHtmlReport(folder: RunFolder, markdown: string, chartBundle: string): string {
  const data = chartData(folder)
  const first = folder.modes[0]?.runs[0]?.result
  const repeated = folder.modes.some(({ runs }) => runs.length > 1)
  const short = data.modes.filter(({ throughput }) => throughput.length < 2).map(({ mode }) => mode)
  const overTime = [
    repeated ? 'For each mode, the run whose throughput is closest to its median.' : '',
    'Sampled once a second.',
    short.length > 0 ? `Too short for a curve (under 2 s): ${short.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ')
  const body = markdownToHtml(markdown.replace(/^# kbench report\n/, ''))

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kbench report</title>
<style>${STYLE}</style>
</head>
<body>
<h1>kbench report</h1>
<p>${escapeHtml(first ? describeWorkload(first.workload) : '')}; ${escapeHtml(describeRunCounts(folder))}.</p>
<h2>Charts</h2>
<div class="charts">
${figure('chart-throughput', 'Throughput over time', overTime)}
${figure('chart-latency', 'Latency percentiles', `Median over runs; solid: end to end, dashed: processing. Log scale.`)}
${figure('chart-lag', 'Consumer lag over time', overTime)}
${figure('chart-relative', `Throughput relative to ${data.reference}`, `Median throughput of each mode divided by that of ${data.reference}.`)}
</div>
${body}
<script id="kbench-data" type="application/json">${scriptSafe(JSON.stringify(data))}</script>
<script>${scriptSafe(chartBundle)}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`
}

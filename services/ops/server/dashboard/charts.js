// The time-series charts (uPlot), drawn from the samples the server keeps (GET /api/history, then one per
// event). Each chart is described once: its series, how to read them from a sample, its axis units.

import {
  formatBytes,
  formatClock,
  formatCompact,
  formatCount,
  formatDuration,
  formatDurationShort,
  formatRate,
} from './format.js';
import uPlot from './uplot/uPlot.esm.js';

const palette = ['#2563eb', '#d97706', '#059669', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const chartHeight = 170;

/** Tick steps a person reads at a glance: whole minutes and hours, powers of two of bytes. */
const secondSteps = [
  0.001,
  0.002,
  0.005,
  0.01,
  0.02,
  0.05,
  0.1,
  0.2,
  0.5,
  1,
  2,
  5,
  10,
  15,
  30,
  60,
  120,
  300,
  600,
  900,
  1800,
  3600,
  7200,
  4 * 3600,
  6 * 3600,
  12 * 3600,
  86400,
  2 * 86400,
  7 * 86400,
];
const byteSteps = Array.from({ length: 50 }, (_, power) => 2 ** power);

const byUnit = {
  count: { axis: formatCompact, value: formatCount },
  bytes: { axis: formatBytes, value: formatBytes, steps: byteSteps },
  seconds: { axis: formatDurationShort, value: formatDuration, steps: secondSteps },
  rate: { axis: formatCompact, value: formatRate },
};

const clockSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Local wall-clock ticks, with seconds only when the window is short; no date line (an hour at most). */
function clockTicks(_chart, splits) {
  const seconds = (splits.at(-1) ?? 0) - (splits[0] ?? 0) < 300;
  const options = {
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    ...(seconds ? { second: '2-digit' } : {}),
  };
  return splits.map((split) => new Date(split * 1000).toLocaleTimeString('en-GB', options));
}

/** Room for the longest tick label (up to 8 px a character at the axis font) plus the ticks and the gap. */
function axisSize(_chart, values) {
  const longest = Math.max(3, ...(values ?? []).map((value) => String(value).length));
  return longest * 8 + 22;
}

function valueAxis(unit, extra) {
  return {
    scale: unit,
    stroke: '#6b7280',
    size: axisSize,
    ticks: { stroke: '#e5e7eb' },
    values: (_chart, splits) => splits.map(byUnit[unit].axis),
    ...(byUnit[unit].steps ? { incrs: byUnit[unit].steps } : {}),
    ...extra,
  };
}

/** Each chart: a fixed list of series, or `dynamicSeries` (one per key seen in the samples). */
const definitions = [
  {
    id: 'consumer-lag',
    unit: 'count',
    dynamicSeries: (samples) =>
      [...new Set(samples.flatMap((sample) => Object.keys(sample.consumerLag)))].sort(),
    read: (key) => (sample) => sample.consumerLag[key]?.messages ?? null,
  },
  {
    id: 'slot-lag',
    unit: 'bytes',
    series: [
      { label: 'retained WAL', read: (sample) => sample.slotLagBytes },
      { label: 'seconds behind', unit: 'seconds', read: (sample) => sample.slotLagSeconds },
    ],
  },
  {
    id: 'latency',
    unit: 'seconds',
    series: [
      { label: 'p50', read: (sample) => sample.latency.p50 },
      { label: 'p95', read: (sample) => sample.latency.p95 },
      { label: 'p99', read: (sample) => sample.latency.p99 },
    ],
  },
  {
    id: 'rates',
    unit: 'rate',
    series: [
      { label: 'reader', read: (sample) => sample.rates.readerChangesPerSec },
      { label: 'Kafka', read: (sample) => sample.rates.topicMessagesPerSec },
      { label: 'sink', read: (sample) => sample.rates.sinkMessagesPerSec },
    ],
  },
  {
    id: 'dlq',
    unit: 'rate',
    series: [{ label: 'dead letters', read: (sample) => sample.rates.deadLettersPerSec }],
  },
  {
    id: 'marts-freshness',
    unit: 'seconds',
    series: [{ label: 'freshness', read: (sample) => sample.martsFreshnessSeconds }],
  },
];

function seriesOf(definition, samples) {
  if (!definition.dynamicSeries) return definition.series;
  return definition.dynamicSeries(samples).map((key) => ({ label: key, read: definition.read(key) }));
}

function options(definition, series, width) {
  const second = series.find((entry) => entry.unit && entry.unit !== definition.unit);
  const axes = [
    {
      stroke: '#6b7280',
      grid: { stroke: '#eef0f3' },
      ticks: { stroke: '#e5e7eb' },
      space: 80,
      incrs: clockSteps,
      values: clockTicks,
    },
    valueAxis(definition.unit, { grid: { stroke: '#eef0f3' } }),
  ];
  if (second) axes.push(valueAxis(second.unit, { side: 1, grid: { show: false } }));
  return {
    width,
    height: chartHeight,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, [definition.unit]: { auto: true, range: nonNegativeRange } },
    axes,
    series: [
      {
        value: (chart, time, _series, index) =>
          formatClock(1000 * (index == null ? lastOf(chart.data[0]) : time)),
      },
      ...series.map((entry, index) => ({
        label: entry.label,
        scale: entry.unit ?? definition.unit,
        stroke: palette[index % palette.length],
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        // Away from the cursor, the legend shows the latest values.
        value: (chart, value, seriesIndex, dataIndex) =>
          byUnit[entry.unit ?? definition.unit].value(
            dataIndex == null ? lastOf(chart.data[seriesIndex]) : value,
          ),
      })),
    ],
  };
}

/** Lag, latency and rates are never negative: start the axis at 0 and leave headroom above the maximum. */
function nonNegativeRange(_chart, _min, max) {
  const top = Number.isFinite(max) && max > 0 ? max * 1.1 : 1;
  return [0, top];
}

function lastOf(values) {
  for (let index = (values?.length ?? 0) - 1; index >= 0; index -= 1) {
    if (values[index] !== null && values[index] !== undefined) return values[index];
  }
  return null;
}

function dataOf(series, samples) {
  return [samples.map((sample) => sample.t / 1000), ...series.map((entry) => samples.map(entry.read))];
}

export class Charts {
  constructor(root) {
    this.charts = definitions.map((definition) => ({
      definition,
      container: root.querySelector(`[data-testid="chart-${definition.id}"]`),
      plot: undefined,
      key: '',
    }));
    this.resizer = new ResizeObserver(() => this.#resize());
    for (const chart of this.charts) this.resizer.observe(chart.container);
  }

  update(samples) {
    for (const chart of this.charts) {
      const series = seriesOf(chart.definition, samples);
      const key = series.map((entry) => entry.label).join('|');
      const data = dataOf(series, samples);
      if (chart.plot && chart.key === key) {
        chart.plot.setData(data);
        continue;
      }
      // The set of series changed (a partition appeared): uPlot's series are fixed, so rebuild the chart.
      chart.plot?.destroy();
      chart.container.replaceChildren();
      chart.key = key;
      chart.plot = new uPlot(options(chart.definition, series, this.#widthOf(chart)), data, chart.container);
    }
  }

  #widthOf(chart) {
    return Math.max(200, Math.floor(chart.container.clientWidth));
  }

  #resize() {
    for (const chart of this.charts) {
      if (chart.plot) chart.plot.setSize({ width: this.#widthOf(chart), height: chartHeight });
    }
  }
}

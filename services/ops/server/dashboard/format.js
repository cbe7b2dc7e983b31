// Human units for the dashboard. `null`/`undefined` means "unknown" in the pipeline's state: shown as a dash,
// never as 0.

export const unknown = '—';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const twoDecimals = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

const isKnown = (value) => typeof value === 'number' && Number.isFinite(value);

/** 1234567 → "1,234,567". */
export function formatCount(value) {
  return isKnown(value) ? integer.format(value) : unknown;
}

/** Binary units, as PostgreSQL's pg_size_pretty: 1536 → "1.5 KiB". */
export function formatBytes(value) {
  if (!isKnown(value)) return unknown;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit += 1;
  }
  const sign = value < 0 ? '-' : '';
  if (unit === 0) return `${sign}${integer.format(scaled)} B`;
  return `${sign}${(scaled < 10 ? twoDecimals : oneDecimal).format(scaled)} ${units[unit]}`;
}

const pad = (value) => String(Math.floor(value)).padStart(2, '0');

/** Seconds → "250 ms", "12.3 s", "4 min 05 s", "2 h 03 min", "3 d 04 h". */
export function formatDuration(seconds) {
  if (!isKnown(seconds)) return unknown;
  const value = Math.max(0, seconds);
  if (value === 0) return '0 s';
  if (value < 1) return `${integer.format(value * 1000)} ms`;
  if (value < 60) return `${(value < 10 ? twoDecimals : oneDecimal).format(value)} s`;
  if (value < 3600) return `${Math.floor(value / 60)} min ${pad(value % 60)} s`;
  if (value < 86400) return `${Math.floor(value / 3600)} h ${pad((value % 3600) / 60)} min`;
  return `${integer.format(Math.floor(value / 86400))} d ${pad((value % 86400) / 3600)} h`;
}

/** Seconds for chart axes, where room is short: "250ms", "12s", "1m40s", "30m", "2h03m", "2h", "3d04h". */
export function formatDurationShort(seconds) {
  if (!isKnown(seconds)) return '';
  const value = Math.max(0, seconds);
  const compound = (major, majorUnit, minor, minorUnit) =>
    Math.floor(minor) === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${pad(minor)}${minorUnit}`;
  if (value === 0) return '0';
  if (value < 1) return `${integer.format(value * 1000)}ms`;
  if (value < 60) return `${oneDecimal.format(value)}s`;
  if (value < 3600) return compound(Math.floor(value / 60), 'm', value % 60, 's');
  if (value < 86400) return compound(Math.floor(value / 3600), 'h', (value % 3600) / 60, 'm');
  return compound(integer.format(Math.floor(value / 86400)), 'd', (value % 86400) / 3600, 'h');
}

/** Per-second rates: "1,234/s", "12.5/s", "0.25/s". */
export function formatRate(value) {
  if (!isKnown(value)) return unknown;
  const format = value >= 100 ? integer : value >= 1 ? oneDecimal : twoDecimals;
  return `${format.format(value)}/s`;
}

/** Short axis labels: 1500 → "1.5k", 2500000 → "2.5M". */
export function formatCompact(value) {
  if (!isKnown(value)) return '';
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${oneDecimal.format(value / 1e9)}G`;
  if (abs >= 1e6) return `${oneDecimal.format(value / 1e6)}M`;
  if (abs >= 1e3) return `${oneDecimal.format(value / 1e3)}k`;
  return twoDecimals.format(value);
}

/** Local wall-clock time of an ISO string or epoch milliseconds: "14:03:05". */
export function formatClock(time) {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return unknown;
  return date.toLocaleTimeString('en-GB', { hour12: false });
}

/** How long ago, from an ISO string or epoch milliseconds. */
export function formatAge(time, now = Date.now()) {
  const at = new Date(time).getTime();
  if (Number.isNaN(at)) return unknown;
  return `${formatDuration(Math.max(0, Math.round((now - at) / 1000)))} ago`;
}

/** 0.4567 → "45.7 %". */
export function formatPercent(ratio) {
  return isKnown(ratio) ? `${oneDecimal.format(ratio * 100)} %` : unknown;
}

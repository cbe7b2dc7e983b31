/**
 * Calendar arithmetic for the temporal logical types: proleptic Gregorian dates, as PostgreSQL uses, with
 * astronomical year numbering (1 BC is year 0, 2 BC is year -1). Days are counted from 1970-01-01.
 * Algorithms from Howard Hinnant, "chrono-compatible low-level date algorithms".
 */

export const microsPerSecond = 1_000_000n;
export const microsPerDay = 86_400n * microsPerSecond;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function daysFromCivil({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

export function isValidCivilDate({ year, month, day }: CivilDate): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= (lengths[month - 1] ?? 0);
}

const pad = (value: number | bigint, width: number) => value.toString().padStart(width, '0');

/** PostgreSQL's ISO text for a date (`2026-11-21`, `0044-03-15 BC`), which PostgreSQL's date input accepts. */
export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  const text = `${pad(year > 0 ? year : 1 - year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  return year > 0 ? text : `${text} BC`;
}

/** `HH:MM:SS[.ffffff]` for microseconds since midnight (24:00:00 included, as PostgreSQL allows). */
export function formatTimeMicros(micros: bigint): string {
  const seconds = micros / microsPerSecond;
  const fraction = micros % microsPerSecond;
  const text = `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}`;
  return fraction === 0n ? text : `${text}.${pad(fraction, 6).replace(/0+$/, '')}`;
}

/**
 * PostgreSQL's ISO text for microseconds since the epoch: `2026-11-21 10:00:00.123456` (wall clock), or with
 * `+00` appended for an instant in UTC; BC dates end with ` BC`, as PostgreSQL prints and parses them.
 */
export function formatTimestampMicros(micros: bigint, options: { utcOffset: boolean }): string {
  let days = micros / microsPerDay;
  let ofDay = micros % microsPerDay;
  if (ofDay < 0n) {
    days -= 1n;
    ofDay += microsPerDay;
  }
  const date = formatDate(Number(days));
  const [day, era] = date.split(' ');
  const text = `${day} ${formatTimeMicros(ofDay)}${options.utcOffset ? '+00' : ''}`;
  return era ? `${text} ${era}` : text;
}

/**
 * Fake but plausible column values for the core tables, drawn from a seeded generator. Foreign keys are not
 * chosen here: the seed and the workload resolve them against the rows that actually exist.
 *
 * Values are shaped for node-postgres bind parameters: numeric as strings (no float rounding), jsonb as JSON text
 * (a JS array would otherwise be sent as a PostgreSQL array), dates and times as ISO text, bytea as Buffer.
 */
import type { Prng } from '../../workload/prng.ts';
import {
  botUserAgents,
  cities,
  missionActions,
  missionAudiences,
  missionDomains,
  missionTags,
  organizationKinds,
  organizationTopics,
  proseWords,
  refererHosts,
  streets,
  userAgents,
} from './vocabulary.ts';

const dayMs = 86_400_000;

/** Descriptions above this size are stored out of line even after compression (see the test on TOAST). */
export const largeDescriptionBytes = 12_000;

export const missionStatuses = ['draft', 'active', 'paused', 'closed'] as const;
export const statEventTypes = ['print', 'click', 'apply', 'account'] as const;
export const statEventSources = ['api', 'widget', 'publisher', 'campaign'] as const;

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** An ISO timestamp with a microsecond part, which a JS Date cannot carry but the pipeline must preserve. */
export function isoMicros(epochMicros: number): string {
  const ms = Math.floor(epochMicros / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(epochMicros - ms * 1000).padStart(3, '0')}Z`;
}

function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function hex(rng: Prng, length: number): string {
  let out = '';
  while (out.length < length) out += rng.u32().toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function sample<T>(rng: Prng, items: readonly T[], count: number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0)
    picked.push(pool.splice(rng.int(0, pool.length - 1), 1)[0] as T);
  return picked;
}

/** HTML paragraphs of at least `minBytes` UTF-8 bytes. */
export function prose(rng: Prng, minBytes: number): string {
  const paragraphs: string[] = [];
  let bytes = 0;
  while (bytes < minBytes) {
    const sentences = Array.from({ length: rng.int(2, 5) }, () => {
      const words = Array.from({ length: rng.int(6, 16) }, () => rng.pick(proseWords));
      // Reference numbers break up repetition the way real descriptions (phone numbers, addresses) do.
      if (rng.chance(0.4)) words.push(`n°${rng.int(10, 99_999)}`);
      const sentence = words.join(' ');
      return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
    });
    const paragraph = `<p>${sentences.join(' ')}</p>`;
    // Every paragraph after the first also costs the newline that joins it.
    bytes += Buffer.byteLength(paragraph) + (paragraphs.length > 0 ? 1 : 0);
    paragraphs.push(paragraph);
  }
  return paragraphs.join('\n');
}

export function draftPartner(rng: Prng) {
  const name = `${rng.pick(organizationKinds)} ${rng.pick(organizationTopics)} ${rng.pick(cities).name}`;
  const domain = `${slug(name)}.org`;
  const role = rng.weighted([
    ['announcer', 5],
    ['diffuser', 3],
    ['both', 2],
  ] as const);
  const rates = ['0.05', '0.1', '0.125', '0.0833333333333333333333', '1', '0.3333'];
  return {
    name,
    email: `contact@${domain}`,
    website_url: `https://www.${domain}`,
    is_announcer: role !== 'diffuser',
    is_diffuser: role !== 'announcer',
    commission_rate: rng.chance(0.2) ? null : rng.pick(rates),
    logo_thumbnail: rng.chance(0.3)
      ? null
      : Buffer.concat([
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
          Buffer.from(Array.from({ length: rng.int(24, 120) }, () => rng.int(0, 255))),
        ]),
  };
}

export interface MissionDraftOptions {
  /** Midnight UTC of the day the mission calendar is built around. */
  anchorMs: number;
  largeDescription: boolean;
}

export function draftMission(rng: Prng, options: MissionDraftOptions) {
  const city = rng.pick(cities);
  const domain = rng.pick(missionDomains);
  const start = options.anchorMs + rng.int(-60, 90) * dayMs;
  const remote = rng.chance(0.1);
  const civicService = rng.chance(0.3);
  return {
    client_id: `m-${hex(rng, 12)}`,
    title: `${rng.pick(missionActions)} ${rng.pick(missionAudiences)}`,
    description: prose(rng, options.largeDescription ? largeDescriptionBytes : rng.int(200, 2_500)),
    status: rng.weighted([
      ['draft', 1],
      ['active', 14],
      ['paused', 2],
      ['closed', 3],
    ] as const),
    domain,
    domains: [domain, ...sample(rng, missionDomains, rng.int(0, 2)).filter((d) => d !== domain)],
    tags: sample(rng, missionTags, rng.int(0, 4)),
    address: remote
      ? null
      : JSON.stringify({
          street: `${rng.int(1, 180)} ${rng.pick(streets)}`,
          postalCode: city.postalCode,
          city: city.name,
          departmentCode: city.departmentCode,
          location: {
            lat: Number((city.lat + rng.int(-500, 500) / 10_000).toFixed(4)),
            lon: Number((city.lon + rng.int(-500, 500) / 10_000).toFixed(4)),
          },
        }),
    metadata: JSON.stringify({
      openToMinors: rng.chance(0.2),
      reducedMobilityAccessible: rng.chance(0.4),
      skills: sample(rng, ['écoute', 'pédagogie', 'permis B', 'anglais', 'premiers secours'], rng.int(0, 2)),
    }),
    places: rng.int(1, 30),
    min_age: rng.chance(0.5) ? rng.pick([16, 18]) : null,
    compensation: civicService ? `${rng.int(600, 900)}.${String(rng.int(0, 99)).padStart(2, '0')}` : null,
    is_remote: remote,
    start_date: isoDate(start),
    end_date: rng.chance(0.2) ? null : isoDate(start + rng.int(7, 365) * dayMs),
    daily_start_time: rng.chance(0.5)
      ? `${String(rng.int(7, 20)).padStart(2, '0')}:${rng.pick(['00', '30'])}:00`
      : null,
    weekly_commitment: rng.chance(0.6) ? `${rng.int(1, 35)} hours` : null,
  };
}

export function draftWidget(rng: Prng) {
  const city = rng.pick(cities);
  return {
    name: `Widget ${rng.pick(missionDomains)} ${city.name}`,
    color: `#${hex(rng, 6)}`,
    style: rng.pick(['carousel', 'page']),
    mission_type: rng.weighted([
      ['benevolat', 3],
      ['volontariat', 1],
    ] as const),
    location: rng.chance(0.3) ? null : JSON.stringify({ label: city.name, lat: city.lat, lon: city.lon }),
    max_distance_km: rng.chance(0.3) ? null : rng.pick([5, 10, 25, 50, 12.5]),
    is_active: rng.chance(0.85),
  };
}

export function draftCampaign(rng: Prng, anchorMs: number) {
  const starts = anchorMs + rng.int(-90, 30) * dayMs;
  const kind = rng.pick(['email', 'banner', 'search', 'ad', 'other']);
  return {
    name: `Campagne ${kind} ${rng.pick(missionDomains)} ${isoDate(starts).slice(0, 7)}`,
    kind,
    url: `https://campagnes.example.org/c/${hex(rng, 10)}?utm_medium=${kind}`,
    budget: `${rng.int(0, 25_000)}.${String(rng.int(0, 99)).padStart(2, '0')}`,
    spent: '0.00',
    starts_on: isoDate(starts),
    ends_on: rng.chance(0.3) ? null : isoDate(starts + rng.int(14, 180) * dayMs),
    is_active: rng.chance(0.8),
  };
}

function ipAddress(rng: Prng): string {
  if (rng.chance(0.2)) return `2a01:cb00:${hex(rng, 4)}:${hex(rng, 4)}::${hex(rng, 3)}`;
  return `${rng.int(2, 223)}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function draftStatEvent(rng: Prng) {
  const type = rng.weighted([
    ['print', 70],
    ['click', 22],
    ['apply', 6],
    ['account', 2],
  ] as const);
  const source = rng.weighted([
    ['api', 40],
    ['widget', 30],
    ['publisher', 20],
    ['campaign', 10],
  ] as const);
  const isBot = rng.chance(0.03);
  const host = rng.pick(refererHosts);
  return {
    type,
    source,
    host,
    referer: rng.chance(0.15) ? null : `https://${host}/missions/${slug(rng.pick(missionAudiences))}`,
    user_agent: isBot ? rng.pick(botUserAgents) : rng.pick(userAgents),
    ip: rng.chance(0.05) ? null : ipAddress(rng),
    user_fingerprint: hex(rng, 32),
    is_bot: isBot,
    custom_attributes: rng.chance(0.7)
      ? null
      : JSON.stringify({
          utm_source: rng.pick(['newsletter', 'facebook', 'linkedin']),
          ab: rng.pick(['A', 'B']),
        }),
  };
}

export type PartnerDraft = ReturnType<typeof draftPartner>;
export type MissionDraft = ReturnType<typeof draftMission>;
export type WidgetDraft = ReturnType<typeof draftWidget>;
export type CampaignDraft = ReturnType<typeof draftCampaign>;
export type StatEventDraft = ReturnType<typeof draftStatEvent>;

import type { Kysely } from 'kysely';
import type { AlarmSettings, AlarmSettingsUpdate } from '#common/api/installations.ts';
import type { Language } from '#common/api/auth.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest } from '../../plugins/errors.ts';
import {
  existingMedia,
  findAlarmSetting,
  listMediumSettings,
  saveAlarmSetting,
  saveMediumSetting,
} from './alarms.store.ts';
import type { SilenceThresholds } from './device-status.ts';

/** The configuration's defaults, used until an admin edits the settings. */
export interface AlarmDefaults {
  silentAfterS: number;
  expectedIntervalS: number;
  contacts: readonly string[];
  webhookUrl: string | undefined;
}

/** The settings in force, as the job and the pages use them. */
export interface EffectiveAlarmSettings {
  thresholds: SilenceThresholds;
  expectedIntervalS: number;
  expectedByMedium: ReadonlyMap<string, number>;
  contacts: readonly string[];
  mailLanguage: Language;
  webhookUrl: string | null;
}

/**
 * Alarm settings: how long a device may stay silent (with per-medium overrides), how often
 * sensors report, and who is told. Stored in the database, so every replica reads the same;
 * without a stored row, the configuration's defaults apply.
 */
export class AlarmSettingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly defaults: AlarmDefaults,
  ) {}

  async get(): Promise<AlarmSettings> {
    const row = await findAlarmSetting(this.db);
    const media = await listMediumSettings(this.db);
    return {
      silentAfterS: row?.silent_after_s ?? this.defaults.silentAfterS,
      expectedIntervalS: row?.expected_interval_s ?? this.defaults.expectedIntervalS,
      contacts: row ? (JSON.parse(row.contacts) as string[]) : [...this.defaults.contacts],
      mailLanguage: (row?.mail_language ?? 'en') as Language,
      webhookUrl: row ? row.webhook_url : (this.defaults.webhookUrl ?? null),
      media: media.map((m) => ({
        medium: m.medium,
        unit: m.unit,
        silentAfterS: m.silentAfterS ?? null,
        expectedIntervalS: m.expectedIntervalS ?? null,
      })),
      defaults: {
        silentAfterS: this.defaults.silentAfterS,
        expectedIntervalS: this.defaults.expectedIntervalS,
      },
      updatedAt: row?.updated_at ?? null,
    };
  }

  async effective(): Promise<EffectiveAlarmSettings> {
    const s = await this.get();
    const byMedium = new Map<string, number>();
    const expectedByMedium = new Map<string, number>();
    for (const m of s.media) {
      if (m.silentAfterS !== null) byMedium.set(m.medium, m.silentAfterS);
      if (m.expectedIntervalS !== null) expectedByMedium.set(m.medium, m.expectedIntervalS);
    }
    return {
      thresholds: { silentAfterS: s.silentAfterS, byMedium },
      expectedIntervalS: s.expectedIntervalS,
      expectedByMedium,
      contacts: s.contacts,
      mailLanguage: s.mailLanguage,
      webhookUrl: s.webhookUrl,
    };
  }

  /** Changes what is given; the rest stays. The first edit stores the defaults along. */
  async update(body: AlarmSettingsUpdate, now: number): Promise<AlarmSettings> {
    const media = body.media ?? [];
    const names = media.map((m) => m.medium);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw badRequest(`media: ${twice} is given twice.`);
    await this.db.transaction().execute(async (trx) => {
      const known = await existingMedia(trx, names);
      const unknown = names.filter((n) => !known.has(n));
      if (unknown.length > 0)
        throw badRequest(`media: there is no medium ${unknown.join(', ')} (see /api/v1/media).`);
      const current = await findAlarmSetting(trx);
      const contacts = body.contacts
        ? [...new Set(body.contacts.map((c) => c.trim()))]
        : current
          ? (JSON.parse(current.contacts) as string[])
          : [...this.defaults.contacts];
      await saveAlarmSetting(trx, {
        id: 1,
        silent_after_s: body.silentAfterS ?? current?.silent_after_s ?? this.defaults.silentAfterS,
        expected_interval_s:
          body.expectedIntervalS ?? current?.expected_interval_s ?? this.defaults.expectedIntervalS,
        contacts: JSON.stringify(contacts),
        mail_language: body.mailLanguage ?? current?.mail_language ?? 'en',
        webhook_url:
          body.webhookUrl !== undefined
            ? body.webhookUrl
            : current
              ? current.webhook_url
              : (this.defaults.webhookUrl ?? null),
        updated_at: now,
      });
      for (const m of media)
        await saveMediumSetting(trx, {
          medium: m.medium,
          silent_after_s: m.silentAfterS,
          expected_interval_s: m.expectedIntervalS,
          updated_at: now,
        });
    });
    return this.get();
  }
}

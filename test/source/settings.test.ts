/** Reader settings: defaults, and every invalid variable named (never echoed) as lib/config does. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config/index.ts';
import { loadPseudonymisationSettings, loadReaderSettings } from '../../lib/source/settings.ts';

describe('reader settings', () => {
  it('defaults to slot cdc_reader and publication cdc_publication (empty means unset)', () => {
    expect(loadReaderSettings({})).toEqual({ slotName: 'cdc_reader', publicationName: 'cdc_publication' });
    expect(loadReaderSettings({ CDC_SLOT_NAME: '' }).slotName).toBe('cdc_reader');
    expect(loadReaderSettings({ CDC_SLOT_NAME: 'reader_2', CDC_PUBLICATION_NAME: 'pub_2' })).toEqual({
      slotName: 'reader_2',
      publicationName: 'pub_2',
    });
  });

  it('names each invalid variable without echoing it', () => {
    let error: unknown;
    try {
      loadReaderSettings({ CDC_SLOT_NAME: 'Bad-Slot', CDC_PUBLICATION_NAME: 'pub"; drop' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => problem.variable)).toEqual(['CDC_SLOT_NAME', 'CDC_PUBLICATION_NAME']);
    expect((error as Error).message).not.toContain('drop');
  });

  it('requires a pseudonymisation key of at least 32 characters, never printing it', () => {
    expect(() => loadPseudonymisationSettings({})).toThrow(/CDC_PSEUDONYMISATION_KEY: is required/);
    expect(() => loadPseudonymisationSettings({ CDC_PSEUDONYMISATION_KEY: 'short-secret' })).toThrow(
      /CDC_PSEUDONYMISATION_KEY: must be at least 32/,
    );
    try {
      loadPseudonymisationSettings({ CDC_PSEUDONYMISATION_KEY: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
    expect(loadPseudonymisationSettings({ CDC_PSEUDONYMISATION_KEY: 'k'.repeat(32) }).key).toBe(
      'k'.repeat(32),
    );
  });
});

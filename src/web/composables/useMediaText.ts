import { useI18n } from 'vue-i18n';

/**
 * The words of the media registry in the interface language: a medium's display name from the
 * catalogues (`media.<name>`), else the registry's own description, else its name as the
 * forwarders send it; and its unit as people write it ("% HR" for relative humidity in Spanish).
 * Every page that names a medium (chips, checkboxes, settings, chart labels) goes through here, so
 * a medium added to the registry is named the same everywhere once its key is in the catalogues.
 */
/** Media whose name is the same in every language. */
const NEUTRAL: Record<string, string> = { co2: 'CO₂' };

export function useMediaText() {
  const { t, te } = useI18n();
  const name = (medium: string, description?: string) =>
    NEUTRAL[medium] ?? (te(`media.${medium}`) ? t(`media.${medium}`) : description || medium);
  const unit = (symbol: string) =>
    symbol === '%RH' ? t('units.relativeHumidity') : symbol.replace('CO2', 'CO₂');
  return {
    name,
    unit,
    /** "Humidity (% HR)": a name with its unit, for pickers. */
    withUnit: (medium: string, symbol?: string, description?: string) =>
      symbol ? `${name(medium, description)} (${unit(symbol)})` : name(medium, description),
  };
}
